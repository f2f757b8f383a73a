// The HTML pages a person sees: sign-in, consent, sign-out and errors.
//
// Real forms with named fields and labelled submit buttons, no JavaScript, so
// that tests/support/signin.py and a real web view drive exactly the same pages.

const esc = (value) => String(value ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function layout(title, body) {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>
body{font-family:sans-serif;background:#f2f2f2;margin:0;padding:40px 0}
main{max-width:360px;margin:0 auto;background:#fff;padding:24px 32px;border-radius:4px;box-shadow:0 1px 3px #0003}
label{display:block;margin:12px 0 4px}input[type=text],input[type=password]{width:100%;box-sizing:border-box;padding:8px}
button{margin-top:16px;padding:8px 16px}.error{color:#b00020}.realm{color:#666;font-size:.9em}
</style>
</head>
<body><main>${body}</main></body>
</html>`;
}

export function loginPage({ realm, client, action, username = '', error }) {
  return layout('Sign in', `
<p class="realm">${esc(realm)}</p>
<h1>Sign in to your account</h1>
<p>to continue to <strong>${esc(client)}</strong></p>
${error ? `<p class="error" role="alert">${esc(error)}</p>` : ''}
<form method="post" action="${esc(action)}">
  <label for="username">Username or email</label>
  <input type="text" id="username" name="username" value="${esc(username)}" autocomplete="username" autofocus>
  <label for="password">Password</label>
  <input type="password" id="password" name="password" autocomplete="current-password">
  <button type="submit">Sign in</button>
</form>`);
}

export function consentPage({ realm, client, user, scopes, action }) {
  const items = scopes.map((scope) => `<li>${esc(scope)}</li>`).join('');
  return layout('Grant access', `
<p class="realm">${esc(realm)}</p>
<h1>Grant access to ${esc(client)}</h1>
<p>Signed in as <strong>${esc(user)}</strong>. ${esc(client)} asks for:</p>
<ul>${items}</ul>
<form method="post" action="${esc(action)}">
  <button type="submit" name="decision" value="allow">Allow</button>
  <button type="submit" name="decision" value="deny">Deny</button>
</form>`);
}

// oidc-provider hands over its logout form (a hidden xsrf field) as HTML; the
// buttons go inside it so that the form is submittable as it stands.
export function logoutPage(form) {
  const buttons = '<button type="submit" name="logout" value="yes">Sign out</button>'
    + '<button type="submit">Stay signed in</button>';
  return layout('Sign out', `<h1>Do you want to sign out?</h1>${form.replace('</form>', `${buttons}</form>`)}`);
}

export function signedOutPage() {
  return layout('Signed out', '<h1>You are signed out</h1>');
}

export function errorPage(out) {
  return layout('Error', `<h1>We are sorry...</h1>
<p class="error" id="error">${esc(out.error)}</p>
<p id="error_description">${esc(out.error_description)}</p>`);
}

// The device flow's pages (RFC 8628 §3.3). oidc-provider hands over its forms
// (hidden xsrf, user_code, confirm); the buttons go inside them, as for logout.
export function deviceCodePage(form, err) {
  const error = err ? `<p class="error" role="alert">${esc(err.userCode ? 'That code is not valid.' : err.message)}</p>` : '';
  return layout('Device sign-in', `<h1>Enter the code shown on your device</h1>${error}
${form.replace('</form>', '<button type="submit">Continue</button></form>')}`);
}

export function deviceConfirmPage(form, client, userCode) {
  const buttons = '<button type="submit">Continue</button>'
    + '<button type="submit" name="abort" value="yes">Abort</button>';
  return layout('Confirm device', `<h1>Sign in ${esc(client)}?</h1>
<p>The code on your device should read <code id="user_code">${esc(userCode)}</code>.</p>
${form.replace('</form>', `${buttons}</form>`)}`);
}

export function deviceDonePage() {
  return layout('Device signed in', '<h1>Your device is signed in</h1><p>You can close this page.</p>');
}
