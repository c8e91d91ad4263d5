// tokentrail dashboard: refresh <main> when the ledger changes (same origin, no reload).
"use strict";
(function () {
  let known = null;
  async function poll() {
    try {
      const r = await fetch("/api/version", { credentials: "same-origin", cache: "no-store" });
      if (!r.ok) return;
      const v = (await r.json()).version;
      if (known !== null && v !== known) {
        const page = await fetch(location.href, { credentials: "same-origin", cache: "no-store" });
        if (page.ok) {
          const doc = new DOMParser().parseFromString(await page.text(), "text/html");
          const fresh = doc.getElementById("main");
          const main = document.getElementById("main");
          if (fresh && main && fresh.innerHTML !== main.innerHTML) {
            main.replaceChildren(...Array.from(fresh.childNodes).map((n) => document.adoptNode(n)));
            document.body.dataset.refreshed = String(Date.now());
          }
        }
      }
      known = v;
    } catch (e) {
      // the server stopped: keep the page as it is
    }
  }
  poll();
  setInterval(poll, 3000);
})();
