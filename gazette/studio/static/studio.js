// The studio's keys, filter, drag and live refresh. htmx does the requests;
// this file only chooses which button a key presses, and keeps the page in
// step with the draft on disk. No build step: this file is served as it is.
(function () {
  "use strict";

  var current = null; // data-key of the selected row, kept across swaps
  var busy = 0; // requests in flight: no polling reload while one runs
  var shownVersion = document.body.dataset.version;

  function desk() { return document.getElementById("desk"); }
  function version() { var d = desk(); return d ? d.dataset.version : ""; }

  // Every request says which version of the draft the page shows, so the
  // server can refuse a change made against a draft saved meanwhile.
  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-Draft-Version"] = version();
  });
  document.addEventListener("htmx:beforeRequest", function () { busy += 1; });
  document.addEventListener("htmx:afterRequest", function () { busy = Math.max(0, busy - 1); });

  // -- rows and keys ---------------------------------------------------------

  function rows() {
    return Array.prototype.filter.call(
      document.querySelectorAll("#desk .row"),
      function (row) { return !row.hidden; }
    );
  }

  function selected() {
    if (!current) { return null; }
    return document.querySelector('#desk .row[data-key="' + CSS.escape(current) + '"]');
  }

  function select(row, focus) {
    document.querySelectorAll("#desk .row.current").forEach(function (r) {
      r.classList.remove("current");
    });
    if (!row) { return; }
    row.classList.add("current");
    current = row.dataset.key;
    if (focus !== false) {
      row.focus({ preventScroll: true });
      row.scrollIntoView({ block: "nearest" });
    }
  }

  function step(by) {
    var list = rows();
    if (!list.length) { return; }
    var index = list.indexOf(selected());
    var next = index < 0 ? 0 : Math.max(0, Math.min(list.length - 1, index + by));
    select(list[next]);
  }

  function press(action) {
    var row = selected();
    var button = row && row.querySelector('[data-key-action="' + action + '"]');
    if (button && !button.disabled) { button.click(); }
  }

  var help = function () { return document.getElementById("keys"); };
  function toggleHelp() {
    var dialog = help();
    if (dialog.open) { dialog.close(); } else { dialog.showModal(); }
  }

  var KEYS = {
    j: function () { step(1); },
    k: function () { step(-1); },
    p: function () { press("p"); },
    f: function () { press("f"); },
    l: function () { press("l"); },
    u: function () { press("u"); },
    e: function () { press("e"); },
    J: function () { press("down"); },
    K: function () { press("up"); },
    z: function () { document.getElementById("undo").click(); },
    "/": function () { document.getElementById("filter-text").focus(); },
    "?": toggleHelp
  };

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.key === "Escape") {
      var cancel = target.closest && target.closest("form.edit") &&
        target.closest("form.edit").querySelector(".cancel");
      if (cancel) { cancel.click(); }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (target.matches && target.matches("input, textarea, select, [contenteditable]")) { return; }
    if (help().open && event.key !== "?") { return; }
    var run = KEYS[event.key];
    if (!run) { return; }
    event.preventDefault();
    run();
  });

  document.addEventListener("click", function (event) {
    var row = event.target.closest && event.target.closest("#desk .row");
    if (row && !event.target.closest("form")) { select(row, false); }
    if (event.target.id === "help-button") { toggleHelp(); }
    if (event.target.classList && event.target.classList.contains("use-suggestion")) {
      var form = event.target.closest("form.edit");
      var suggested = event.target.closest(".suggestion").querySelector(".suggested");
      form.querySelector("textarea[name=summary]").value = suggested.value;
      form.querySelector("textarea[name=summary]").focus();
    }
  });

  // -- filter ----------------------------------------------------------------

  function value(id) { var el = document.getElementById(id); return el ? el.value : ""; }

  function applyFilter() {
    var text = value("filter-text").trim().toLowerCase();
    var tag = value("filter-tag");
    var source = value("filter-source");
    var open = document.getElementById("filter-open").checked;
    var shown = 0;
    document.querySelectorAll("#desk .cand").forEach(function (row) {
      var ok = (!text || row.dataset.text.indexOf(text) >= 0) &&
        (!tag || (" " + row.dataset.tags + " ").indexOf(" " + tag + " ") >= 0) &&
        (!source || (" " + row.dataset.sources + " ").indexOf(" " + source + " ") >= 0) &&
        (!open || !row.dataset.state);
      row.hidden = !ok;
      if (ok) { shown += 1; }
    });
    var count = document.getElementById("shown");
    if (count) { count.textContent = String(shown); }
  }

  ["filter-text", "filter-tag", "filter-source", "filter-open"].forEach(function (id) {
    var el = document.getElementById(id);
    el.addEventListener("input", applyFilter);
    el.addEventListener("change", applyFilter);
    el.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === "Escape") {
        event.preventDefault();
        el.blur();
        step(0);
      }
    });
  });

  // -- drag to reorder within a section ----------------------------------------

  var dragged = null;

  function dropTarget(event) {
    var row = event.target.closest && event.target.closest(".story[data-position]");
    if (!dragged || !row || row === dragged) { return null; }
    return row.dataset.section === dragged.dataset.section ? row : null;
  }

  document.addEventListener("dragstart", function (event) {
    var row = event.target.closest && event.target.closest(".story[draggable=true]");
    if (!row) { return; }
    dragged = row;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", row.dataset.item);
  });
  document.addEventListener("dragover", function (event) {
    var row = dropTarget(event);
    if (row) { event.preventDefault(); row.classList.add("drop"); }
  });
  document.addEventListener("dragleave", function (event) {
    var row = event.target.closest && event.target.closest(".story");
    if (row) { row.classList.remove("drop"); }
  });
  document.addEventListener("drop", function (event) {
    var row = dropTarget(event);
    if (!row) { return; }
    event.preventDefault();
    var item = dragged.dataset.item;
    dragged = null;
    current = "s" + item;
    htmx.ajax("POST", "/move", {
      source: row, target: "#desk", swap: "outerHTML",
      values: { item: item, to: row.dataset.position }
    });
  });
  document.addEventListener("dragend", function () { dragged = null; });

  // -- previews --------------------------------------------------------------

  function fitFrames() {
    document.querySelectorAll("#preview .frame").forEach(function (box) {
      if (box.hidden) { return; }
      var frame = box.querySelector("iframe");
      var width = Number(frame.dataset.width);
      var scale = Math.min(1, box.clientWidth / width);
      frame.style.width = width + "px";
      frame.style.transform = "scale(" + scale + ")";
      box.style.height = Math.ceil(frame.offsetHeight * scale) + "px";
    });
  }

  function refreshPreviews() {
    var now = version();
    if (!now || now === shownVersion) { return; }
    shownVersion = now;
    document.querySelectorAll("#preview iframe").forEach(function (frame) {
      var src = frame.dataset.src;
      frame.src = src + (src.indexOf("?") >= 0 ? "&" : "?") + "v=" + now;
    });
  }

  document.querySelectorAll("#preview [role=tab]").forEach(function (tab) {
    tab.addEventListener("click", function () {
      document.querySelectorAll("#preview [role=tab]").forEach(function (other) {
        other.setAttribute("aria-selected", other === tab ? "true" : "false");
      });
      document.querySelectorAll("#preview .frame").forEach(function (box) {
        box.hidden = box.dataset.for !== tab.dataset.frame;
      });
      fitFrames();
    });
  });
  window.addEventListener("resize", fitFrames);

  // -- after every swap, and when the file changes on disk --------------------

  function settle() {
    document.body.classList.remove("stale");
    applyFilter();
    var row = selected();
    if (row && !row.hidden) { select(row, !document.querySelector("#desk form.edit")); }
    document.getElementById("undo").disabled = !(desk() && desk().dataset.undo === "1");
    refreshPreviews();
  }

  document.addEventListener("htmx:afterSettle", function (event) {
    var form = event.target.querySelector && event.target.querySelector("form.edit");
    if (form) {
      var first = form.querySelector("input[name=headline]");
      if (first) { first.focus(); }
    }
    settle();
  });

  setInterval(function () {
    if (busy || document.hidden) { return; }
    fetch("/version", { cache: "no-store" })
      .then(function (response) { return response.json(); })
      .then(function (answer) {
        if (busy || answer.version === version()) { return; }
        if (document.querySelector("#desk form.edit")) {
          document.body.classList.add("stale");
          return; // saving the edit is refused, and reloads the draft
        }
        htmx.ajax("GET", "/desk?changed=1", { target: "#desk", swap: "outerHTML" });
      })
      .catch(function () {});
  }, 1000);

  settle();
  fitFrames();
  document.querySelectorAll("#preview iframe").forEach(function (frame) {
    frame.addEventListener("load", fitFrames);
  });
})();
