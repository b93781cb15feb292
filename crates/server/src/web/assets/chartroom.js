// Chartroom's only script: small conveniences; every page works without it.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // Put the cursor on the first field the server said is wrong.
  const invalid = document.querySelector('[aria-invalid="true"]');
  if (invalid) invalid.focus();
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
        if (!response.ok) return;
        const answer = await response.json();
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
