// Chartroom's only script: small conveniences; every page works without it.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // Put the cursor on the first field the server said is wrong.
  const invalid = document.querySelector('[aria-invalid="true"]');
  if (invalid) invalid.focus();
  // A link in a refused form's summary puts the cursor in the field it names.
  for (const link of document.querySelectorAll('.error[role="alert"] a[href^="#"]')) {
    link.addEventListener("click", () => {
      const field = document.getElementById(link.getAttribute("href").slice(1));
      if (field) setTimeout(() => field.focus(), 0);
    });
  }
  // A collapsed chart section opens when a link or a change leads to it (#diagnoses,
  // #encounter-12), and every section opens for the browser's own print.
  const openTarget = () => {
    const target = location.hash && document.getElementById(decodeURIComponent(location.hash.slice(1)));
    const part = target && (target.querySelector(":scope > details.part") || target.closest("details.part"));
    if (part) part.open = true;
  };
  openTarget();
  window.addEventListener("hashchange", openTarget);
  window.addEventListener("beforeprint", () => {
    for (const part of document.querySelectorAll("details.part")) part.open = true;
  });
  // The print copy of a chart (its print was audited by the server) opens the dialog.
  if (document.getElementById("print-now")) window.print();
  // Ask before actions that take effect at once.
  for (const button of document.querySelectorAll("button.danger")) {
    button.addEventListener("click", (event) => {
      if (!window.confirm(button.textContent.trim() + "?")) event.preventDefault();
    });
  }
});

// The code picker: typeahead over the code set in force on the chosen encounter's date.
// The server validates whatever is submitted; this only helps find the code.
document.addEventListener("DOMContentLoaded", () => {
  for (const input of document.querySelectorAll("input[data-code-picker]")) {
    const list = document.getElementById(input.getAttribute("list"));
    const output = document.getElementById(input.getAttribute("aria-describedby"));
    const dateFrom = document.getElementById(input.dataset.dateFrom);
    let timer = null;
    let titles = new Map();
    const showTitle = () => {
      const title = titles.get(input.value.trim().toUpperCase());
      if (output) output.textContent = title || "";
    };
    input.addEventListener("input", () => {
      showTitle();
      clearTimeout(timer);
      const q = input.value.trim();
      if (q.length < 2) return;
      timer = setTimeout(async () => {
        const option = dateFrom && dateFrom.selectedOptions[0];
        const systemFrom = input.dataset.systemFrom && document.getElementById(input.dataset.systemFrom);
        const body = { system: systemFrom ? systemFrom.value : input.dataset.codePicker, q, limit: 15 };
        if (option && option.dataset.date) body.date = option.dataset.date;
        const response = await fetch("/api/codes/search", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
        });
        const answer = await response.json().catch(() => ({}));
        if (!response.ok) {
          // Say why there is nothing to pick (no release covers the date, CPT not loaded).
          list.replaceChildren();
          titles = new Map();
          if (output) output.textContent = answer.reason || answer.error || "";
          return;
        }
        titles = new Map();
        list.replaceChildren(...answer.hits.map((hit) => {
          titles.set(hit.code.toUpperCase(), hit.title + (hit.billable ? "" : " (not billable: pick a more specific code)"));
          const option = document.createElement("option");
          option.value = hit.code;
          option.label = hit.title + (hit.billable ? "" : " (category)");
          return option;
        }));
        showTitle();
      }, 150);
    });
  }
});

// Sessions end after a period without requests, and typing is not a request. Someone
// filling in a form is warned before the end and may keep the session; if it ends anyway,
// what they typed is kept in this tab (sessionStorage: gone when the tab closes, and
// cleared by signing out) and put back in the form after they sign in again.
document.addEventListener("DOMContentLoaded", () => {
  const idle = Number(document.body.dataset.idleSeconds || 0);
  const draftKey = (form) => `chartroom-draft:${location.pathname}:${form.getAttribute("action")}`;
  const kept = (form) => [...form.elements].filter((field) =>
    field.name && !["hidden", "password", "submit", "button", "file"].includes(field.type));
  const returnTo = sessionStorage.getItem("chartroom-return");
  if (returnTo && idle && !location.pathname.startsWith("/mfa")) {
    sessionStorage.removeItem("chartroom-return");
    if (returnTo !== location.pathname + location.search) { location.replace(returnTo); return; }
  }
  for (const form of document.querySelectorAll('main form[method="post"]')) {
    const saved = sessionStorage.getItem(draftKey(form));
    if (!saved || !idle) continue;
    sessionStorage.removeItem(draftKey(form));
    const values = JSON.parse(saved);
    kept(form).forEach((field, idx) => {
      const value = values[idx];
      if (!value || value[0] !== field.name) return;
      if (field.type === "checkbox" || field.type === "radio") field.checked = value[2];
      else field.value = value[1];
    });
    const note = document.createElement("p");
    note.className = "notice";
    note.id = "draft-restored";
    note.setAttribute("role", "status");
    note.textContent = "What you typed before your session ended is back in the form below. Check it, then save.";
    form.before(note);
  }
  if (!idle) return;
  let last = Date.now();
  let dirty = false;
  let warning = null;
  document.addEventListener("input", (event) => {
    if (event.target.form && event.target.form.method === "post") dirty = true;
  });
  document.addEventListener("submit", () => { dirty = false; });
  // The server notes activity at a tenth of the timeout's grain, so it may end a little early.
  const ends = () => last + idle * 900;
  const warnFor = Math.min(60, idle * 0.4) * 1000;
  const saveDrafts = () => {
    for (const form of document.querySelectorAll('main form[method="post"]')) {
      const fields = kept(form);
      if (!fields.some((field) => field.value)) continue;
      sessionStorage.setItem(draftKey(form), JSON.stringify(fields.map((f) => [f.name, f.value, f.checked])));
    }
    sessionStorage.setItem("chartroom-return", location.pathname + location.search);
  };
  const timer = setInterval(() => {
    if (!dirty) return;
    const left = ends() - Date.now();
    if (left <= 0) {
      clearInterval(timer);
      saveDrafts();
      location.assign("/login?why=idle");
      return;
    }
    if (left > warnFor) return;
    if (!warning) {
      warning = document.createElement("div");
      warning.id = "idle-warning";
      warning.className = "emergency";
      warning.setAttribute("role", "alert");
      const text = document.createElement("span");
      const keep = document.createElement("button");
      keep.type = "button";
      keep.textContent = "Keep working";
      keep.addEventListener("click", async () => {
        const answer = await fetch("/api/me", { credentials: "same-origin" });
        if (answer.ok) { last = Date.now(); warning.remove(); warning = null; }
      });
      warning.append(text, " ", keep);
      document.querySelector("main").prepend(warning);
    }
    warning.firstChild.textContent = `Nothing has been saved for a while: you will be signed out in ${Math.ceil(left / 1000)} s. What you typed will be kept in this tab.`;
  }, 500);
});
