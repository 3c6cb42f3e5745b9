// Passkeys. allauth's own script (mfa/js/webauthn.js) asks the browser for a passkey when its
// button is pressed; when the browser says no, it raises an "allauth.error" event. Here the page
// says what happened, in words, in its [data-passkey-problem] box (which screen readers announce).
(function () {
  "use strict";

  function messageFor(exception) {
    const name = exception && exception.name;
    if (!window.PublicKeyCredential || name === "NotSupportedError") {
      return "This browser cannot use passkeys. Use another way to sign in, or another browser.";
    }
    if (name === "NotAllowedError" || name === "AbortError") {
      return "No passkey was used: the request was cancelled or took too long. Try again.";
    }
    if (name === "InvalidStateError") {
      return "This device already holds a passkey for your account. Use it, or add a passkey on another device or security key.";
    }
    if (name === "SecurityError") {
      return "Passkeys cannot be used at this address. Open the portal by its name (for example localhost rather than 127.0.0.1) and try again.";
    }
    return "Something went wrong with the passkey. Try again.";
  }

  document.addEventListener("allauth.error", function (event) {
    const detail = event.detail || {};
    if (!(detail.tags || []).includes("webauthn")) { return; }
    const box = document.querySelector("[data-passkey-problem]");
    if (!box) { return; }
    event.preventDefault();
    box.textContent = messageFor(detail.exception);
    box.hidden = false;
    box.focus();
  });
})();
