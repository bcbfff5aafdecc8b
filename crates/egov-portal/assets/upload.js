// Reads a chosen OpenAPI file into the form's text field, so the document is sent with the form and
// validated by the server like a pasted one. Without scripts, pasting works the same way.
document.querySelectorAll('input[type=file][data-fills]').forEach(function (input) {
  input.addEventListener('change', function () {
    var target = document.getElementById(input.getAttribute('data-fills'));
    var file = input.files && input.files[0];
    if (!target || !file) return;
    if (file.size > 1024 * 1024) {
      target.value = '';
      target.setCustomValidity('> 1 MiB');
      target.reportValidity();
      return;
    }
    target.setCustomValidity('');
    file.text().then(function (text) { target.value = text; });
  });
});
