(function () {
  "use strict";
  var state = { layer: "", jur: "", sev: "" };
  var rank = { low: 1, medium: 2, high: 3, critical: 4 };
  var rows = Array.prototype.slice.call(document.querySelectorAll("[data-filter-row]"));

  function matches(el) {
    var d = el.dataset;
    if (state.layer && d.layer !== state.layer) return false;
    if (state.jur && (" " + (d.jur || "") + " ").indexOf(" " + state.jur + " ") < 0) return false;
    if (state.sev) {
      if (!d.sev) return el.getAttribute("data-filter-row") !== "findings";
      if (rank[d.sev] < rank[state.sev]) return false;
    }
    return true;
  }

  function apply() {
    var shown = {}, total = {};
    rows.forEach(function (el) {
      var group = el.getAttribute("data-filter-row");
      var ok = matches(el);
      el.hidden = !ok;
      total[group] = (total[group] || 0) + 1;
      if (ok) shown[group] = (shown[group] || 0) + 1;
    });
    document.querySelectorAll("[data-count-for]").forEach(function (el) {
      var g = el.getAttribute("data-count-for");
      el.textContent = (shown[g] || 0) + " of " + (total[g] || 0);
    });
    document.querySelectorAll("[data-empty-for]").forEach(function (el) {
      var g = el.getAttribute("data-empty-for");
      el.hidden = !(total[g] && !shown[g]);
    });
    document.querySelectorAll(".toolbar button[data-f]").forEach(function (b) {
      b.setAttribute("aria-pressed", state[b.getAttribute("data-f")] === b.getAttribute("data-v") ? "true" : "false");
    });
    var active = [];
    if (state.layer) active.push("layer " + state.layer);
    if (state.jur) active.push("jurisdiction " + state.jur);
    if (state.sev) active.push("severity \u2265 " + state.sev);
    var st = document.getElementById("filter-status");
    if (st) st.textContent = active.length ? "Filtered by " + active.join(", ") : "No filter: everything is shown";
  }

  document.addEventListener("click", function (ev) {
    var t = ev.target;
    var b = t && t.closest ? t.closest("button[data-f], button[data-cell]") : null;
    if (!b) return;
    if (b.hasAttribute("data-cell")) {
      state.layer = b.getAttribute("data-layer") || "";
      state.jur = b.getAttribute("data-jur") || "";
      state.sev = "";
      apply();
      var target = document.getElementById("findings");
      if (target && target.scrollIntoView) target.scrollIntoView();
      return;
    }
    state[b.getAttribute("data-f")] = b.getAttribute("data-v") || "";
    apply();
  });

  // Printing shows every shown finding's details; the page returns to how it was afterwards.
  var opened = [];
  window.addEventListener("beforeprint", function () {
    opened = [];
    // (not the "Show all" lists: paper gets the top rows, the files have the rest)
    document.querySelectorAll("details.finding:not([open])").forEach(function (d) { d.open = true; opened.push(d); });
  });
  window.addEventListener("afterprint", function () {
    opened.forEach(function (d) { d.open = false; });
    opened = [];
  });

  apply();
})();
