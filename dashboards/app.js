// Filters apply as soon as a value changes; without JavaScript the "Aplicar" button does the
// same. Empty filters are left out of the URL so that links stay short and shareable.
(function () {
  var form = document.getElementById("filtros");
  if (!form) return;
  form.addEventListener("change", function () {
    var params = new URLSearchParams();
    Array.prototype.forEach.call(form.elements, function (el) {
      if (el.name && el.value) params.set(el.name, el.value);
    });
    window.location.search = params.toString();
  });
})();
