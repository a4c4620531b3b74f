// Live broadcast from the microphone: records Opus in WebM in quarter-second pieces (MediaRecorder) and posts
// each, in order, with its number and the moment its end was recorded on the server's clock (the offset is
// measured first against /truyen-thanh/truc-tiep/gio.json, the best of five round trips). The relay feeds the
// pieces to the session's Icecast mount; the units report the delay from that moment to their loudspeaker.
(function () {
  "use strict";
  var box = document.getElementById("microphone");
  if (!box) { return; }
  var status = box.querySelector("[data-status]");
  var sentCount = box.querySelector("[data-sent]");
  var tokenField = document.querySelector("input[name=csrfmiddlewaretoken]");
  var token = tokenField ? tokenField.value : "";
  var offset = 0, seq = 0, queue = [], sending = false, failures = 0, recorder = null, finished = false;

  function say(text) { status.textContent = text; }

  function measureClock() {
    var best = null, tries = 0;
    return new Promise(function (resolve) {
      function once() {
        var t0 = Date.now();
        fetch(box.dataset.clockUrl, {credentials: "same-origin", cache: "no-store"})
          .then(function (answer) { return answer.json(); })
          .then(function (data) {
            var t1 = Date.now();
            if (!best || t1 - t0 < best.rtt) { best = {rtt: t1 - t0, offset: data.now - (t0 + t1) / 2}; }
          })
          .catch(function () { return null; })
          .then(function () {
            tries += 1;
            if (tries < 5) { once(); } else { offset = best ? best.offset : 0; resolve(); }
          });
      }
      once();
    });
  }

  function stop() {
    finished = true;
    if (recorder && recorder.state !== "inactive") {
      recorder.stop();
      recorder.stream.getTracks().forEach(function (track) { track.stop(); });
    }
  }

  function send() {
    if (sending || !queue.length) { return; }
    sending = true;
    var piece = queue[0];
    fetch(box.dataset.chunkUrl, {
      method: "POST", credentials: "same-origin", body: piece.blob,
      headers: {"X-CSRFToken": token, "Content-Type": "audio/webm", "X-Chunk-Seq": String(piece.seq),
                "X-Captured-At": String(piece.at)}
    }).then(function (answer) {
      if (answer.status === 204) {
        queue.shift();
        failures = 0;
        sentCount.textContent = String(piece.seq + 1);
        return null;
      }
      if (answer.status >= 400 && answer.status < 500) {  // refused (the broadcast ended…): stop recording
        queue = [];
        stop();
        return answer.json().then(function (data) { say(data.error); }, function () { say(box.dataset.failed); });
      }
      failures += 1;
      return null;
    }).catch(function () {
      failures += 1;
    }).then(function () {
      sending = false;
      if (failures > 20) { queue = []; stop(); say(box.dataset.failed); return; }
      window.setTimeout(send, failures ? 500 : 0);
    });
  }

  function start() {
    var type = "audio/webm;codecs=opus";
    if (!navigator.mediaDevices || !window.MediaRecorder || !MediaRecorder.isTypeSupported(type)) {
      say(box.dataset.unsupported);
      return;
    }
    say(box.dataset.starting);
    measureClock().then(function () {
      return navigator.mediaDevices.getUserMedia({audio: {echoCancellation: false, noiseSuppression: true,
                                                          autoGainControl: true}, video: false});
    }).then(function (stream) {
      if (finished) { stream.getTracks().forEach(function (track) { track.stop(); }); return; }
      recorder = new MediaRecorder(stream, {mimeType: type, audioBitsPerSecond: 32000});
      recorder.ondataavailable = function (event) {
        if (event.data && event.data.size) {
          queue.push({seq: seq, at: Math.round(Date.now() + offset), blob: event.data});
          seq += 1;
          send();
        }
      };
      recorder.start(250);
      box.dataset.state = "recording";
      say(box.dataset.recording);
    }).catch(function (error) {
      say(box.dataset.denied + " (" + error.name + ")");
    });
  }

  document.querySelectorAll("form[data-stops-microphone]").forEach(function (form) {
    form.addEventListener("submit", stop);
  });
  start();
})();
