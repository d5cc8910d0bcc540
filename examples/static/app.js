document.getElementById('out').textContent =
  'app.js ran at ' + new Date().toLocaleTimeString();
