// Application forms (申请表单): progressive enhancement only — the form works without this file.
// Hides fields whose condition is not met, narrows the region drop-downs step by step (州市 → 县 → 乡镇),
// and adds or removes repeating rows in place.
(function () {
  "use strict";

  function rowOf(el) { return el.closest(".tbf-row"); }

  function wrapperFor(from, name) {
    var row = rowOf(from);
    var scope = row || from.closest("[data-tbf]");
    var found = scope.querySelectorAll('.tbf-field[data-name="' + name + '"]');
    for (var i = 0; i < found.length; i++) if (rowOf(found[i]) === row) return found[i];
    return null;
  }

  function valuesOf(wrapper) {
    if (!wrapper || wrapper.hidden) return [];
    var out = [];
    wrapper.querySelectorAll("input, select").forEach(function (input) {
      if (input.closest(".tbf-field") !== wrapper || !input.name) return;
      if ((input.type === "radio" || input.type === "checkbox") && !input.checked) return;
      if (input.value) out.push(input.value);
    });
    return out;
  }

  function applyConditions(root) {
    // twice: a field whose condition names a conditional field follows it
    for (var pass = 0; pass < 2; pass++) {
      root.querySelectorAll("[data-visible-when]").forEach(function (wrapper) {
        var conditions = JSON.parse(wrapper.getAttribute("data-visible-when"));
        var shown = Object.keys(conditions).every(function (ref) {
          var values = valuesOf(wrapperFor(wrapper, ref));
          return values.some(function (v) { return conditions[ref].indexOf(v) >= 0; });
        });
        wrapper.hidden = !shown;
        var note = wrapper.querySelector(".tbf-cond");
        if (note) note.hidden = true;
      });
    }
  }

  function keepGroups(select) {
    var groups = [];
    select.querySelectorAll("optgroup").forEach(function (g) { groups.push(g.cloneNode(true)); });
    return groups;
  }

  function showGroups(select, groups, parent, first) {
    var current = select.value;
    while (select.options.length > 1) select.remove(1);
    select.querySelectorAll("optgroup").forEach(function (g) { g.remove(); });
    groups.forEach(function (g) {
      if (parent === null || g.getAttribute("data-parent") === parent) select.appendChild(g.cloneNode(true));
    });
    select.value = current;
    if (select.value !== current) select.value = "";
    if (first) select.options[0].textContent = first;
  }

  function enhanceRegion(box) {
    var main = box.querySelector("[data-region-main]");
    var township = box.querySelector("[data-region-township]");
    var countyGroups = keepGroups(main);
    var townGroups = township ? keepGroups(township) : [];
    if (countyGroups.length > 1) {
      var pref = document.createElement("select");
      pref.setAttribute("aria-label", "州（市）");
      pref.className = "tbf-region-prefecture";
      var blank = document.createElement("option");
      blank.value = ""; blank.textContent = "请选择州（市）";
      pref.appendChild(blank);
      countyGroups.forEach(function (g) {
        var o = document.createElement("option");
        o.value = g.getAttribute("data-parent"); o.textContent = g.label;
        pref.appendChild(o);
      });
      var chosen = main.value;
      countyGroups.forEach(function (g) {
        if (chosen && g.querySelector('option[value="' + chosen + '"]')) pref.value = g.getAttribute("data-parent");
      });
      main.parentNode.insertBefore(pref, main);
      var narrow = function () { showGroups(main, countyGroups, pref.value || "-", pref.value ? null : "请先选择州（市）"); };
      pref.addEventListener("change", function () { narrow(); main.dispatchEvent(new Event("change", {bubbles: true})); });
      narrow();
      if (!pref.value) main.value = "";
    }
    if (township) {
      var label = box.querySelector('label[for="' + township.id + '"]');
      var narrowTowns = function () {
        showGroups(township, townGroups, main.value || "-", null);
        var none = township.querySelectorAll("option").length <= 1;
        township.hidden = none;
        if (label) label.hidden = none;
      };
      main.addEventListener("change", narrowTowns);
      narrowTowns();
    }
  }

  function renumber(container) {
    var base = container.getAttribute("data-name");
    container.querySelectorAll(":scope > [data-row]").forEach(function (row, index) {
      var title = row.querySelector(".tbf-row-title");
      if (title) title.textContent = "第" + (index + 1) + "行";
      row.querySelectorAll("[name], [id], [for], [aria-describedby]").forEach(function (el) {
        ["name", "id", "for", "aria-describedby"].forEach(function (attr) {
          var v = el.getAttribute(attr);
          if (v && v.indexOf(base + "-") === 0) el.setAttribute(attr, v.replace(new RegExp("^" + base + "-\\d+-"), base + "-" + index + "-"));
        });
      });
    });
  }

  function enhanceRows(container) {
    var max = parseInt(container.getAttribute("data-max"), 10) || 20;
    var rows = container.querySelectorAll(":scope > [data-row]");
    var template = rows[rows.length - 1].cloneNode(true);
    template.querySelectorAll("input, textarea, select").forEach(function (el) {
      if (el.type === "radio" || el.type === "checkbox") el.checked = false; else el.value = "";
    });
    template.querySelectorAll(".tbf-errors").forEach(function (el) { el.remove(); });
    var add = document.createElement("button");
    add.type = "button"; add.className = "btn ghost tbf-add-row"; add.textContent = "添加一行";
    function addRemove(row) {
      var remove = document.createElement("button");
      remove.type = "button"; remove.className = "tbf-remove-row"; remove.textContent = "删除本行";
      remove.addEventListener("click", function () {
        row.remove();
        if (!container.querySelector("[data-row]")) container.appendChild(template.cloneNode(true));
        renumber(container); refresh();
      });
      row.appendChild(remove);
    }
    function refresh() {
      add.hidden = container.querySelectorAll(":scope > [data-row]").length >= max;
    }
    rows.forEach(addRemove);
    add.addEventListener("click", function () {
      var row = template.cloneNode(true);
      row.querySelectorAll(".tbf-remove-row").forEach(function (el) { el.remove(); });
      addRemove(row);
      container.appendChild(row);
      renumber(container); refresh();
      row.querySelectorAll("[data-region]").forEach(enhanceRegion);
      var first = row.querySelector("input, select, textarea");
      if (first) first.focus();
    });
    container.parentNode.insertBefore(add, container.nextSibling);
    refresh();
  }

  function enhance(root) {
    if (root.hasAttribute("data-tbf-ready")) return;
    root.setAttribute("data-tbf-ready", "");
    if (!root.hasAttribute("data-readonly")) {
      root.querySelectorAll("[data-rows]").forEach(enhanceRows);
      root.querySelectorAll("[data-region]").forEach(enhanceRegion);
    }
    root.addEventListener("change", function () { applyConditions(root); });
    applyConditions(root);
  }

  function enhanceAll() { document.querySelectorAll("[data-tbf]").forEach(enhance); }
  window.tongbanForms = {enhance: enhanceAll};
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", enhanceAll);
  else enhanceAll();
})();
