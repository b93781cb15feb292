// The dictation editor: each heard word seeks the recording to its time; the word being
// played is shown; Alt+P / Alt+B / Alt+N / Alt+S (by key position, so any layout works)
// play or pause, go back 3 s, go to the next doubtful word (and select it in its section's
// field), slow down; "Check spelling" checks the fields as they are now. The department's
// shortcuts (".nkda") expand in a section field when a space or punctuation follows them.
(function () {
  var audio = document.getElementById("dictation-audio");
  var words = Array.prototype.slice.call(document.querySelectorAll("#heard .word"));
  var doubtful = words.filter(function (w) { return w.classList.contains("low"); });
  var at = -1;

  function mark(w) {
    words.forEach(function (x) { x.classList.toggle("current", x === w); });
  }
  function hear(w) {
    if (!audio) return;
    audio.currentTime = Number(w.dataset.start) / 1000;
    mark(w);
    var playing = audio.play();
    if (playing && playing.catch) playing.catch(function () {});
  }
  function select(w) {
    var field = document.getElementById("section-" + w.dataset.section);
    if (!field) return;
    var same = words.filter(function (x) {
      return x.dataset.section === w.dataset.section && Number(x.dataset.index) < Number(w.dataset.index) &&
        x.textContent.toLowerCase() === w.textContent.toLowerCase();
    }).length;
    var pattern = new RegExp("\\b" + w.textContent.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") + "\\b", "gi");
    var found, n = 0;
    while ((found = pattern.exec(field.value)) !== null) {
      if (n++ === same) {
        field.focus();
        field.setSelectionRange(found.index, found.index + found[0].length);
        return;
      }
    }
  }
  words.forEach(function (w) { w.addEventListener("click", function () { hear(w); }); });
  if (audio) {
    audio.addEventListener("timeupdate", function () {
      var ms = audio.currentTime * 1000;
      var now = words.find(function (w) { return ms >= Number(w.dataset.start) && ms < Number(w.dataset.end); });
      if (now) mark(now);
    });
  }
  document.addEventListener("keydown", function (e) {
    if (!e.altKey || e.ctrlKey || e.metaKey || !audio) return;
    if (e.code === "KeyP") {
      if (audio.paused) { var p = audio.play(); if (p && p.catch) p.catch(function () {}); } else audio.pause();
    } else if (e.code === "KeyB") {
      audio.currentTime = Math.max(0, audio.currentTime - 3);
    } else if (e.code === "KeyN") {
      if (!doubtful.length) return;
      at = (at + 1) % doubtful.length;
      hear(doubtful[at]);
      select(doubtful[at]);
    } else if (e.code === "KeyS") {
      audio.playbackRate = audio.playbackRate > 0.9 ? 0.75 : audio.playbackRate > 0.6 ? 0.5 : 1;
      var shown = document.getElementById("playback-rate");
      if (shown) shown.textContent = audio.playbackRate + "×";
    } else {
      return;
    }
    e.preventDefault();
  });

  var editor = document.getElementById("editor");
  var shortcuts = {};
  try { shortcuts = JSON.parse((editor && editor.dataset.shortcuts) || "{}"); } catch (e) { shortcuts = {}; }
  if (editor) {
    editor.addEventListener("input", function (e) {
      var field = e.target;
      if (field.tagName !== "TEXTAREA" || field.readOnly) return;
      var caret = field.selectionStart;
      var before = field.value.slice(0, caret);
      // A shortcut ends where the typed space or punctuation begins.
      var found = /(^|\s)(\.[a-z0-9]{1,20})([\s.,;:!?])$/i.exec(before);
      if (!found) return;
      var text = shortcuts[found[2].toLowerCase()];
      if (text === undefined) return;
      var start = caret - found[2].length - found[3].length;
      var tail = found[3] === "." && /[.!?]$/.test(text) ? "" : found[3];
      field.value = field.value.slice(0, start) + text + tail + field.value.slice(caret);
      var at = start + text.length + tail.length;
      field.setSelectionRange(at, at);
    });
  }

  var check = document.getElementById("check-spelling");
  var list = document.getElementById("misspelt");
  if (check && list) {
    check.addEventListener("click", function () {
      var fields = Array.prototype.slice.call(document.querySelectorAll("#editor textarea.section"));
      var text = fields.map(function (f) { return f.dataset.heading + ":\n" + f.value; }).join("\n\n");
      fetch("/api/dictations/spelling", {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json" }, body: JSON.stringify({ text: text })
      }).then(function (r) { return r.json(); }).then(function (answer) {
        list.textContent = "";
        var found = answer.misspelt || [];
        if (!found.length) { var none = document.createElement("li"); none.textContent = "No word outside the vocabulary."; list.appendChild(none); }
        found.forEach(function (m) {
          var li = document.createElement("li");
          var b = document.createElement("strong"); b.textContent = m.word; li.appendChild(b);
          li.appendChild(document.createTextNode(" (line " + m.line + ")" + (m.suggestions.length ? ": " + m.suggestions.join(", ") : "")));
          list.appendChild(li);
        });
      }).catch(function (e) { list.textContent = "The check failed: " + e; });
    });
  }
})();
