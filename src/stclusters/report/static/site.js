/* stclusters report: sortable tables, search and economy filters, and the map's tooltip and zoom.
   Plain JavaScript, no library, no network. */
(function () {
  "use strict";
  var data = {};
  var dataEl = document.getElementById("cluster-data");
  if (dataEl) { data = JSON.parse(dataEl.textContent); }

  /* ---- sortable tables ---- */
  function cellValue(row, i, type) {
    var cell = row.cells[i];
    if (type === "num") {
      var v = cell.getAttribute("data-v");
      return v === null || v === "" ? -Infinity : parseFloat(v);
    }
    return cell.textContent.trim().toLowerCase();
  }
  function sortTable(table, col, type, dir) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = cellValue(a, col, type), y = cellValue(b, col, type);
      var c = type === "num" ? x - y : x.localeCompare(y);
      if (c === 0) { c = parseFloat(a.cells[0].getAttribute("data-v")) - parseFloat(b.cells[0].getAttribute("data-v")); }
      return dir === "ascending" ? c : -c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
    var ths = table.tHead.rows[0].cells;
    for (var k = 0; k < ths.length; k++) {
      if (k === col) { ths[k].setAttribute("aria-sort", dir); } else { ths[k].removeAttribute("aria-sort"); }
    }
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    var ths = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(ths, function (th, col) {
      var button = th.querySelector("button");
      if (!button) { return; }
      button.addEventListener("click", function () {
        var current = th.getAttribute("aria-sort");
        var type = button.getAttribute("data-type");
        var dir = current === "ascending" ? "descending" :
          current === "descending" ? "ascending" : (type === "num" && col > 0 ? "descending" : "ascending");
        sortTable(table, col, type, dir);
      });
    });
  });

  /* ---- search and economy filter ---- */
  var q = document.getElementById("q");
  var econ = document.getElementById("econ");
  var status = document.getElementById("status");
  function norm(s) { return s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase(); }
  function applyFilter() {
    var text = q ? norm(q.value.trim()) : "";
    var code = econ ? econ.value : "";
    var visible = {};
    var shown = 0, total = 0;
    Object.keys(data).forEach(function (id) {
      var d = data[id];
      var ok = (!code || d.econ.split(" ").indexOf(code) >= 0) &&
        (!text || norm(d.name + " " + d.econ_names).indexOf(text) >= 0);
      visible[id] = ok;
      total += 1;
      if (ok) { shown += 1; }
    });
    Array.prototype.forEach.call(document.querySelectorAll("table.ranking tbody tr"), function (tr) {
      tr.hidden = !visible[tr.getAttribute("data-id")];
    });
    Array.prototype.forEach.call(document.querySelectorAll("#world a[data-id], #world path[data-id]"), function (el) {
      el.classList.toggle("off", !visible[el.getAttribute("data-id")]);
    });
    /* network: a link shows when both its clusters do */
    Array.prototype.forEach.call(document.querySelectorAll("#world path.netlink, #links tbody tr"), function (el) {
      var on = visible[el.getAttribute("data-source")] && visible[el.getAttribute("data-target")];
      if (el.tagName.toLowerCase() === "tr") { el.hidden = !on; } else { el.classList.toggle("off", !on); }
    });
    if (status) { status.textContent = "Showing " + shown + " of " + total + " clusters."; }
  }
  if (q) { q.addEventListener("input", applyFilter); }
  if (econ) { econ.addEventListener("change", applyFilter); }

  /* ---- map: tooltip, zoom and pan ---- */
  var svg = document.getElementById("world");
  var tip = document.getElementById("tip");
  if (!svg) { return; }
  var full = svg.getAttribute("viewBox").split(" ").map(parseFloat);
  var vb = full.slice();
  function unit() { return vb[2] / (svg.clientWidth || full[2]); }
  function setViewBox() {
    svg.setAttribute("viewBox", vb.map(function (v) { return v.toFixed(2); }).join(" "));
    var u = unit();
    // markers keep their size on screen, a little larger when zoomed in, smaller on a phone
    var scale = Math.pow(full[2] / vb[2], 0.35) * Math.max(0.45, Math.min(1, (svg.clientWidth || 900) / 900));
    Array.prototype.forEach.call(svg.querySelectorAll("circle[data-r]"), function (c) {
      c.setAttribute("r", (parseFloat(c.getAttribute("data-r")) * u * scale).toFixed(3));
    });
  }
  function zoom(factor, cx, cy) {
    var w = Math.min(full[2], Math.max(full[2] / 60, vb[2] / factor));
    var h = w * full[3] / full[2];
    if (cx === undefined) { cx = vb[0] + vb[2] / 2; cy = vb[1] + vb[3] / 2; }
    var fx = (cx - vb[0]) / vb[2], fy = (cy - vb[1]) / vb[3];
    vb = [cx - fx * w, cy - fy * h, w, h];
    clamp();
    setViewBox();
  }
  function clamp() {
    vb[0] = Math.min(Math.max(vb[0], full[0]), full[0] + full[2] - vb[2]);
    vb[1] = Math.min(Math.max(vb[1], full[1]), full[1] + full[3] - vb[3]);
  }
  function toMap(evt) {
    var r = svg.getBoundingClientRect();
    return [vb[0] + (evt.clientX - r.left) / r.width * vb[2], vb[1] + (evt.clientY - r.top) / r.height * vb[3]];
  }
  document.getElementById("zoom-in").addEventListener("click", function () { zoom(2); });
  document.getElementById("zoom-out").addEventListener("click", function () { zoom(0.5); });
  document.getElementById("zoom-reset").addEventListener("click", function () { vb = full.slice(); setViewBox(); });
  svg.addEventListener("wheel", function (evt) {
    evt.preventDefault();
    var p = toMap(evt);
    zoom(evt.deltaY < 0 ? 1.4 : 1 / 1.4, p[0], p[1]);
  }, { passive: false });
  var drag = null, moved = false;
  svg.addEventListener("pointerdown", function (evt) {
    drag = [evt.clientX, evt.clientY, vb[0], vb[1]]; moved = false;
  });
  window.addEventListener("pointermove", function (evt) {
    if (!drag) { return; }
    var dx = evt.clientX - drag[0], dy = evt.clientY - drag[1];
    if (!moved && Math.abs(dx) + Math.abs(dy) < 5) { return; }
    moved = true;
    svg.classList.add("dragging");
    var r = svg.getBoundingClientRect();
    vb[0] = drag[2] - dx / r.width * vb[2];
    vb[1] = drag[3] - dy / r.height * vb[3];
    clamp();
    setViewBox();
  });
  window.addEventListener("pointerup", function () { drag = null; svg.classList.remove("dragging"); });
  svg.addEventListener("click", function (evt) {
    if (moved) { evt.preventDefault(); moved = false; }
  }, true);
  window.addEventListener("resize", setViewBox);

  function showTip(a, evt) {
    var d = data[a.getAttribute("data-id")];
    if (!d || !tip) { return; }
    tip.innerHTML = "";
    var title = document.createElement("strong");
    title.textContent = d.name;
    tip.appendChild(title);
    d.lines.forEach(function (line) {
      var div = document.createElement("div");
      div.textContent = line;
      tip.appendChild(div);
    });
    tip.hidden = false;
    var box = svg.parentNode.getBoundingClientRect();
    var x, y;
    if (evt && evt.clientX !== undefined) { x = evt.clientX - box.left; y = evt.clientY - box.top; }
    else { var cr = a.getBoundingClientRect(); x = cr.left + cr.width / 2 - box.left; y = cr.top - box.top; }
    var left = Math.min(x + 14, box.width - tip.offsetWidth - 4);
    tip.style.left = Math.max(4, left) + "px";
    tip.style.top = Math.max(4, y - tip.offsetHeight - 10) + "px";
    a.classList.add("active");
  }
  function hideTip(a) { if (tip) { tip.hidden = true; } a.classList.remove("active"); }
  Array.prototype.forEach.call(svg.querySelectorAll("a[data-id]"), function (a) {
    a.addEventListener("mousemove", function (evt) { showTip(a, evt); });
    a.addEventListener("mouseleave", function () { hideTip(a); });
    a.addEventListener("focus", function () { showTip(a, null); });
    a.addEventListener("blur", function () { hideTip(a); });
  });
  /* network: the toggle, and each link's tooltip naming its two clusters */
  var showLinks = document.getElementById("show-links");
  if (showLinks) {
    showLinks.addEventListener("change", function () { svg.classList.toggle("no-links", !showLinks.checked); });
  }
  function showLinkTip(path, evt) {
    var a = data[path.getAttribute("data-source")], b = data[path.getAttribute("data-target")];
    if (!a || !b || !tip) { return; }
    tip.innerHTML = "";
    var title = document.createElement("strong");
    title.textContent = a.name + " \u2013 " + b.name;
    tip.appendChild(title);
    var div = document.createElement("div");
    var said = path.getAttribute("aria-label") || "";
    div.textContent = said.slice(said.lastIndexOf(": ") + 2);  // the figures follow the names
    tip.appendChild(div);
    tip.hidden = false;
    var box = svg.parentNode.getBoundingClientRect();
    var x, y;
    if (evt && evt.clientX !== undefined) { x = evt.clientX - box.left; y = evt.clientY - box.top; }
    else { var cr = path.getBoundingClientRect(); x = cr.left + cr.width / 2 - box.left; y = cr.top + cr.height / 2 - box.top; }
    tip.style.left = Math.max(4, Math.min(x + 14, box.width - tip.offsetWidth - 4)) + "px";
    tip.style.top = Math.max(4, y - tip.offsetHeight - 10) + "px";
    path.classList.add("active");
  }
  Array.prototype.forEach.call(svg.querySelectorAll("path.netlink"), function (path) {
    var t = path.querySelector("title");
    if (t) { path.setAttribute("aria-label", t.textContent); path.removeChild(t); }  // one tooltip, not two
    path.setAttribute("tabindex", "0");
    path.setAttribute("role", "img");
    path.addEventListener("mousemove", function (evt) { showLinkTip(path, evt); });
    path.addEventListener("mouseleave", function () { hideTip(path); });
    path.addEventListener("focus", function () { showLinkTip(path, null); });
    path.addEventListener("blur", function () { hideTip(path); });
  });
  setViewBox();
})();
