// Reading QR codes: the standard BarcodeDetector where the browser has one, and the vendored
// jsQR decoder elsewhere (Chromium on Linux has no BarcodeDetector). From the camera, or from a
// picture (a photo or screenshot) for those who cannot hold the phone up to a screen.

function decodeWithJsQr(canvas) {
  const context = canvas.getContext("2d", { willReadFrequently: true });
  const image = context.getImageData(0, 0, canvas.width, canvas.height);
  const found = window.jsQR && window.jsQR(image.data, image.width, image.height);
  return found ? found.data : null;
}

let detector = null;
async function detect(source, canvas) {
  if ("BarcodeDetector" in window) {
    try {
      detector = detector || new window.BarcodeDetector({ formats: ["qr_code"] });
      const codes = await detector.detect(source);
      if (codes.length) { return codes[0].rawValue; }
      return null;
    } catch (error) {
      detector = null; // fall through to jsQR
    }
  }
  return decodeWithJsQr(canvas);
}

function draw(source, width, height) {
  const canvas = document.createElement("canvas");
  const scale = Math.min(1, 1600 / Math.max(width, height));
  canvas.width = Math.round(width * scale);
  canvas.height = Math.round(height * scale);
  canvas.getContext("2d").drawImage(source, 0, 0, canvas.width, canvas.height);
  return canvas;
}

export async function scanPicture(file) {
  const bitmap = await createImageBitmap(file);
  const canvas = draw(bitmap, bitmap.width, bitmap.height);
  return detect(canvas, canvas);
}

// Scans the camera until a code is found or `signal` aborts. Calls onCode(text) once.
export async function scanCamera(video, onCode, signal) {
  const stream = await navigator.mediaDevices.getUserMedia({
    video: { facingMode: "environment" }, audio: false
  });
  video.srcObject = stream;
  await video.play();
  const stop = () => stream.getTracks().forEach((track) => track.stop());
  signal.addEventListener("abort", stop);
  const tick = async () => {
    if (signal.aborted) { return; }
    if (video.videoWidth) {
      const canvas = draw(video, video.videoWidth, video.videoHeight);
      const text = await detect(canvas, canvas);
      if (text) { stop(); onCode(text); return; }
    }
    window.setTimeout(tick, 200);
  };
  tick();
}
