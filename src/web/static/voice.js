// standardiste — record a sentence in the browser (MediaRecorder), turn it
// into a 16-bit mono WAV here (the server converts it to 8 kHz for
// FreeSWITCH), and send it as the practice's recording. Without a
// microphone or without this script, the file form does the same.
"use strict";

function wavOf(buffer) {
  const rate = buffer.sampleRate;
  const data = buffer.getChannelData(0);
  const out = new DataView(new ArrayBuffer(44 + data.length * 2));
  const text = (o, s) => { for (let i = 0; i < s.length; i++) out.setUint8(o + i, s.charCodeAt(i)); };
  text(0, "RIFF"); out.setUint32(4, 36 + data.length * 2, true); text(8, "WAVE");
  text(12, "fmt "); out.setUint32(16, 16, true); out.setUint16(20, 1, true); out.setUint16(22, 1, true);
  out.setUint32(24, rate, true); out.setUint32(28, rate * 2, true); out.setUint16(32, 2, true); out.setUint16(34, 16, true);
  text(36, "data"); out.setUint32(40, data.length * 2, true);
  for (let i = 0; i < data.length; i++) {
    const s = Math.max(-1, Math.min(1, data[i]));
    out.setInt16(44 + i * 2, s < 0 ? s * 0x8000 : s * 0x7fff, true);
  }
  return new Blob([out], { type: "audio/wav" });
}

async function send(button, wav) {
  const body = new FormData();
  body.append("audio", wav, button.dataset.key + ".wav");
  const resp = await fetch("/voice/" + encodeURIComponent(button.dataset.key) + "?p=" + encodeURIComponent(button.dataset.p), {
    method: "POST", body, headers: { "X-CSRF-Token": button.dataset.csrf }, redirect: "follow",
  });
  window.location.assign(resp.url || window.location.href);
}

function setUp(button) {
  let recorder = null;
  let chunks = [];
  const label = button.textContent;
  button.hidden = false;
  button.addEventListener("click", async () => {
    if (recorder) { recorder.stop(); return; }
    let stream;
    try { stream = await navigator.mediaDevices.getUserMedia({ audio: true }); } catch (e) { button.hidden = true; return; }
    recorder = new MediaRecorder(stream);
    chunks = [];
    recorder.ondataavailable = (e) => chunks.push(e.data);
    recorder.onstop = async () => {
      stream.getTracks().forEach((t) => t.stop());
      const context = new AudioContext();
      const decoded = await context.decodeAudioData(await new Blob(chunks).arrayBuffer());
      recorder = null;
      button.textContent = label;
      await send(button, wavOf(decoded));
    };
    recorder.start();
    button.textContent = button.dataset.stop;
  });
}

if (window.MediaRecorder && navigator.mediaDevices) {
  document.querySelectorAll("button.record").forEach(setUp);
}
