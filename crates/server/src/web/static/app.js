// SafeCare dashboard: live updates over Server-Sent Events, and the few
// actions that change state (sent with the session's CSRF token).
"use strict";

(function () {
  const csrf = document.body.dataset.csrf || "";

  function send(method, url, body) {
    return fetch(url, {
      method: method,
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: body === undefined ? "{}" : JSON.stringify(body),
      credentials: "same-origin",
    });
  }

  function post(url, body) {
    return send("POST", url, body);
  }

  function text(tag, value, className) {
    const el = document.createElement(tag);
    if (className) el.className = className;
    el.textContent = value;
    return el;
  }

  function severityBadge(sev) {
    return text("span", sev, "sev sev-" + sev);
  }

  function formatTime(iso) {
    return iso.replace("T", " ").replace(/\.\d+/, "").replace("Z", " UTC");
  }

  function locationPath(loc) {
    if (!loc) return "";
    const parts = [];
    for (const level of ["site", "building", "floor", "zone", "room"]) {
      if (loc[level]) parts.push(loc[level]);
      else if (level === "zone" && loc.room) parts.push("_");
      else break;
    }
    return parts.join("/");
  }

  function addAlert(alert) {
    const feed = document.getElementById("alert-feed");
    if (!feed) return;
    const ext = alert.SafeCare || {};
    const row = document.createElement("tr");
    row.className = "fresh";
    const cells = [
      text("td", formatTime(alert.CreateTime || "")),
      document.createElement("td"),
      text("td", alert.Description || ""),
      text("td", locationPath(ext.location)),
    ];
    cells[1].appendChild(severityBadge(ext.severity || "info"));
    cells.forEach((c) => row.appendChild(c));
    row.dataset.alertId = alert.ID;
    feed.insertBefore(row, feed.firstChild);
    while (feed.children.length > 50) feed.removeChild(feed.lastChild);
    document.dispatchEvent(new CustomEvent("safecare:alert", { detail: alert }));
  }

  function updateStats(stats) {
    const open = stats.open_incidents || {};
    document.querySelectorAll("#open-incidents [data-severity]").forEach((el) => {
      el.textContent = String(open[el.dataset.severity] || 0);
    });
    const svg = document.getElementById("rate");
    if (svg && Array.isArray(stats.rate)) {
      const w = Number(svg.dataset.width), h = Number(svg.dataset.height);
      const max = Math.max(1, ...stats.rate);
      const step = stats.rate.length > 1 ? w / (stats.rate.length - 1) : 0;
      const points = stats.rate.map((n, i) => (i * step).toFixed(1) + "," + (h - (n / max) * h).toFixed(1));
      svg.querySelector("polyline").setAttribute("points", points.join(" "));
      svg.setAttribute("aria-label", stats.rate.reduce((a, b) => a + b, 0) + " events in the last hour");
    }
  }

  function listen() {
    if (!window.EventSource || !document.querySelector("[data-live]")) return;
    const source = new EventSource("/api/v1/stream");
    source.addEventListener("alert", (e) => addAlert(JSON.parse(e.data)));
    source.addEventListener("stats", (e) => updateStats(JSON.parse(e.data)));
    source.addEventListener("incident", (e) =>
      document.dispatchEvent(new CustomEvent("safecare:incident", { detail: JSON.parse(e.data) })));
  }

  document.addEventListener("click", (e) => {
    const button = e.target.closest("[data-action]");
    if (!button) return;
    if (button.dataset.action === "logout") {
      post("/api/v1/auth/logout").finally(() => { window.location.href = "/login"; });
    }
  });

  // Rule switches on the rules page: the answer is shown when refused
  // (for example a correlation still needs the rule), else the page reloads.
  document.addEventListener("submit", (e) => {
    const form = e.target.closest("form.rule-switch");
    if (!form) return;
    e.preventDefault();
    const url = "/api/v1/rules/" + encodeURIComponent(form.dataset.rule);
    send("PUT", url, { enabled: form.dataset.enabled === "true" }).then((r) => {
      if (r.ok) { window.location.reload(); return; }
      r.json().then((body) => window.alert(body.error || r.statusText), () => window.alert(r.statusText));
    });
  });

  window.SafeCare = { post, text, severityBadge };
  listen();
})();
