// The console's logon page: hands the control token to the server once,
// which answers with the console's cookie, then opens the console (the same
// address, which now serves it).
'use strict';

document.getElementById('login-form').addEventListener('submit', async ev => {
  ev.preventDefault();
  const input = document.getElementById('token');
  const error = document.getElementById('login-error');
  error.textContent = '';
  let res;
  try {
    res = await fetch('/_emcdp/ui/logon', {
      method: 'POST', cache: 'no-store', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ token: input.value.trim() }),
    });
  } catch (e) {
    error.textContent = e.message;
    return;
  }
  if (!res.ok) {
    let msg = res.statusText;
    try { msg = (await res.json()).error || msg; } catch (e) { /* keep the status text */ }
    error.textContent = res.status === 401 ? 'The server refused this token.' : msg;
    return;
  }
  input.value = '';
  location.reload();
});
