// Recording a dictation in the browser: MediaRecorder records (WebM/Opus in Chromium),
// the browser decodes it and it is re-encoded here as 16 kHz mono 16-bit WAV, which the
// server accepts, then put in the form's file field. Shown only where MediaRecorder exists.
(function () {
  var box = document.getElementById("recorder");
  var input = document.getElementById("dictation-file");
  if (!box || !input || !window.MediaRecorder || !navigator.mediaDevices || !window.DataTransfer) return;
  box.hidden = false;
  var start = document.getElementById("record-start");
  var stop = document.getElementById("record-stop");
  var status = document.getElementById("record-status");
  var recorder = null, chunks = [], stream = null;

  function wav(samples, rate) {
    var out = new DataView(new ArrayBuffer(44 + samples.length * 2));
    var text = function (at, s) { for (var i = 0; i < s.length; i++) out.setUint8(at + i, s.charCodeAt(i)); };
    text(0, "RIFF"); out.setUint32(4, 36 + samples.length * 2, true); text(8, "WAVE");
    text(12, "fmt "); out.setUint32(16, 16, true); out.setUint16(20, 1, true); out.setUint16(22, 1, true);
    out.setUint32(24, rate, true); out.setUint32(28, rate * 2, true); out.setUint16(32, 2, true); out.setUint16(34, 16, true);
    text(36, "data"); out.setUint32(40, samples.length * 2, true);
    for (var i = 0; i < samples.length; i++) {
      var v = Math.max(-1, Math.min(1, samples[i]));
      out.setInt16(44 + i * 2, v < 0 ? v * 0x8000 : v * 0x7fff, true);
    }
    return new Blob([out], { type: "audio/wav" });
  }

  start.addEventListener("click", function () {
    navigator.mediaDevices.getUserMedia({ audio: true }).then(function (s) {
      stream = s; chunks = [];
      recorder = new MediaRecorder(s);
      recorder.ondataavailable = function (e) { if (e.data.size) chunks.push(e.data); };
      recorder.onstop = function () {
        stream.getTracks().forEach(function (t) { t.stop(); });
        new Blob(chunks).arrayBuffer().then(function (bytes) {
          return new AudioContext().decodeAudioData(bytes);
        }).then(function (decoded) {
          var rate = 16000;
          var offline = new OfflineAudioContext(1, Math.max(1, Math.ceil(decoded.duration * rate)), rate);
          var source = offline.createBufferSource();
          source.buffer = decoded; source.connect(offline.destination); source.start();
          return offline.startRendering();
        }).then(function (mono) {
          var file = new File([wav(mono.getChannelData(0), 16000)], "dictation.wav", { type: "audio/wav" });
          var files = new DataTransfer(); files.items.add(file); input.files = files.files;
          status.textContent = "Recorded " + mono.duration.toFixed(1) + " s; it is sent with the form.";
        }).catch(function (e) { status.textContent = "The recording could not be read: " + e; });
      };
      recorder.start();
      start.disabled = true; stop.disabled = false;
      status.textContent = "Recording…";
    }).catch(function (e) { status.textContent = "No microphone: " + e.message; });
  });
  stop.addEventListener("click", function () {
    if (recorder && recorder.state !== "inactive") recorder.stop();
    start.disabled = false; stop.disabled = true;
  });
})();
