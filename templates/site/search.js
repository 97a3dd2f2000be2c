// The archive's search page, and only it, loads this file. It loads Pagefind's
// UI from the pagefind/ folder that `gazette build-site` writes with
// [site] search = true; Pagefind then fetches the index in small chunks, only
// those a query needs. The site reads fine without any of it.
(function () {
  "use strict";
  var container = document.getElementById("search");
  var status = document.getElementById("search-status");
  if (!container || !status) {
    return;
  }
  // An absolute path, so Pagefind also derives the site's base path from it and
  // results link correctly wherever the archive is hosted.
  var bundle = new URL(container.getAttribute("data-bundle"), document.baseURI).pathname;

  function unavailable() {
    status.textContent =
      "Search is not available: the search index was not built. " +
      "Every issue is listed in the archive and by tag.";
    status.hidden = false;
  }

  var style = document.createElement("link");
  style.rel = "stylesheet";
  style.href = bundle + "pagefind-ui.css";
  document.head.appendChild(style);

  var script = document.createElement("script");
  script.src = bundle + "pagefind-ui.js";
  script.onerror = unavailable;
  script.onload = function () {
    if (typeof window.PagefindUI !== "function") {
      unavailable();
      return;
    }
    var ui = new window.PagefindUI({
      element: "#search",
      bundlePath: bundle,
      showSubResults: true,
      showImages: false,
      autofocus: true,
    });
    var query = new URLSearchParams(window.location.search).get("q");
    if (query) {
      ui.triggerSearch(query);
    }
  };
  document.head.appendChild(script);
})();
