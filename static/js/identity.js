// Hromada Intake: what the identifiers tell, filled in as the clerk types (the server does the same when blank).
(function () {
  "use strict";
  var WEIGHTS = [-1, 5, 7, 9, 4, 6, 10, 5, 7];
  var BOOKLET = /^[А-ЯҐЄІЇ]{2}\d{6}$/;
  var ID_CARD = /^\d{9}$/;
  var LOOKALIKES = { A: "А", B: "В", C: "С", E: "Е", H: "Н", I: "І", K: "К", M: "М", O: "О", P: "Р", T: "Т", X: "Х", Y: "У" };

  function rnokppValid(value) {
    if (!/^\d{10}$/.test(value)) { return false; }
    var sum = 0;
    for (var i = 0; i < 9; i++) { sum += Number(value[i]) * WEIGHTS[i]; }
    return ((sum % 11) + 11) % 11 % 10 === Number(value[9]);
  }

  function birthDate(value) {
    // Digits 1-5: days since 31 December 1899 (DESIGN.md §4). UTC so no time zone moves the day.
    var day = new Date(Date.UTC(1899, 11, 31) + Number(value.slice(0, 5)) * 86400000);
    return day.toISOString().slice(0, 10);
  }

  function normalised(number) {
    var value = number.replace(/[\s-]/g, "").toUpperCase();
    if (/^[A-ZА-ЯҐЄІЇ]{2}\d{6}$/.test(value)) {
      value = value.slice(0, 2).replace(/[A-Z]/g, function (ch) { return LOOKALIKES[ch] || ch; }) + value.slice(2);
    }
    return value;
  }

  var rnokpp = document.getElementById("id_rnokpp");
  var birth = document.getElementById("id_birth_date");
  var number = document.getElementById("id_passport_number");
  var kind = document.getElementById("id_passport_kind");
  var filled = { birth: false, kind: false };

  function fillBirth() {
    if (!rnokpp || !birth) { return; }
    var value = rnokpp.value.trim();
    if (rnokppValid(value) && (!birth.value || filled.birth)) {
      birth.value = birthDate(value);
      filled.birth = true;
    }
  }

  function fillKind() {
    if (!number || !kind) { return; }
    var value = normalised(number.value);
    var shape = BOOKLET.test(value) ? "booklet" : ID_CARD.test(value) ? "id_card" : "";
    if (shape && (!kind.value || filled.kind)) {
      kind.value = shape;
      filled.kind = true;
    }
  }

  if (rnokpp) { rnokpp.addEventListener("input", fillBirth); fillBirth(); }
  if (birth) { birth.addEventListener("input", function () { filled.birth = false; }); }
  if (number) {
    number.addEventListener("input", fillKind);
    number.addEventListener("change", function () { number.value = normalised(number.value); fillKind(); });
    fillKind();
  }
  if (kind) { kind.addEventListener("change", function () { filled.kind = false; }); }
})();
