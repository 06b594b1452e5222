// The code on a passport or ID card (its machine readable zone, ICAO Doc 9303), checked as it
// is typed: each check digit against its field, so a mistyped character is found before the
// document is read. The server checks it again (segl.core.mrz).
const WEIGHTS = [7, 3, 1];

function value(char) {
  if (char === "<") { return 0; }
  if (/[0-9]/.test(char)) { return Number(char); }
  return char.charCodeAt(0) - 55; // A = 10
}

export function checkDigit(field) {
  return String([...field].reduce((sum, char, i) => sum + value(char) * WEIGHTS[i % 3], 0) % 10);
}

export function normalise(text) {
  return text.toUpperCase().split(/\r?\n/).map((line) => line.replace(/\s+/g, "").replace(/«/g, "<")).filter(Boolean);
}

// Which checks fail, by name ("document_number", "birth_date", "expiry_date", "composite"),
// or "shape" when the lines are not yet two of 44, two of 36 or three of 30.
export function problems(text) {
  const lines = normalise(text);
  const widths = lines.map((l) => l.length).join(",");
  if (!["44,44", "36,36", "30,30,30"].includes(widths) || lines.some((l) => !/^[A-Z0-9<]+$/.test(l))) {
    return ["shape"];
  }
  const found = [];
  const check = (name, field, digit) => { if (checkDigit(field) !== digit) { found.push(name); } };
  if (widths === "30,30,30") {
    const [a, b] = lines;
    if (a[14] !== "<") { check("document_number", a.slice(5, 14), a[14]); }
    check("birth_date", b.slice(0, 6), b[6]);
    check("expiry_date", b.slice(8, 14), b[14]);
    check("composite", a.slice(5, 30) + b.slice(0, 7) + b.slice(8, 15) + b.slice(18, 29), b[29]);
  } else {
    const b = lines[1];
    const end = b.length - 1;
    if (b[9] !== "<") { check("document_number", b.slice(0, 9), b[9]); }
    check("birth_date", b.slice(13, 19), b[19]);
    check("expiry_date", b.slice(21, 27), b[27]);
    const composite = end === 43 ? b.slice(0, 10) + b.slice(13, 20) + b.slice(21, 43)
      : b.slice(0, 10) + b.slice(13, 20) + b.slice(21, 35);
    check("composite", composite, b[end]);
  }
  return found;
}
