// Evidence uploads that survive a bad connection: each file goes in chunks; when the connection drops,
// the upload asks the server where it stands and continues from there (also after a page reload, for the
// same file). Without JavaScript the form posts the files in one ordinary request.
(function () {
  "use strict";
  if (!window.fetch || !window.Blob || !Blob.prototype.slice) return;

  var html = document.documentElement;
  var indonesian = (html.getAttribute("lang") || "id").indexOf("id") === 0;
  var text = indonesian ? {
    sending: "Mengunggah %name: %pct%",
    retry: "Koneksi terputus. Mencoba lagi dalam %s detik… (%name, %pct%)",
    done: "%name tersimpan.",
    failed: "%name gagal diunggah: %msg",
    choose: "Pilih berkas terlebih dahulu."
  } : {
    sending: "Uploading %name: %pct%",
    retry: "Connection lost. Retrying in %s seconds… (%name, %pct%)",
    done: "%name saved.",
    failed: "%name could not be uploaded: %msg",
    choose: "Choose a file first."
  };

  function fill(template, values) {
    return template.replace(/%(\w+)/g, function (_, key) { return key in values ? values[key] : ""; });
  }

  function sleep(ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); }

  function storageKey(form, file) {
    return "p2ham-upload:" + form.getAttribute("data-chunked-url") + ":" + file.name + ":" + file.size + ":" + file.lastModified;
  }

  function remember(key, url) { try { localStorage.setItem(key, url); } catch (e) { /* private mode */ } }
  function recall(key) { try { return localStorage.getItem(key); } catch (e) { return null; } }
  function forget(key) { try { localStorage.removeItem(key); } catch (e) { /* private mode */ } }

  function failure(response) {
    return response.json().then(function (body) {
      var error = new Error(body.detail || response.statusText);
      error.permanent = response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429;
      error.body = body;
      throw error;
    }, function () {
      var error = new Error(response.statusText || String(response.status));
      error.permanent = response.status >= 400 && response.status < 500;
      throw error;
    });
  }

  function request(url, options) {
    return fetch(url, options).then(function (response) {
      if (response.ok) return response.json();
      return failure(response);
    });
  }

  async function where(url, csrf) {
    return request(url, { method: "GET", headers: { "X-CSRFToken": csrf }, credentials: "same-origin" });
  }

  async function uploadFile(form, file, replaces, report) {
    var csrf = form.querySelector("[name=csrfmiddlewaretoken]").value;
    var key = storageKey(form, file);
    var url = recall(key);
    var offset = 0;
    var chunk = parseInt(form.getAttribute("data-chunk"), 10) || 2097152;
    if (url) {
      try { offset = (await where(url, csrf)).offset; } catch (e) { url = null; forget(key); }
    }
    if (!url) {
      var started = await request(form.getAttribute("data-chunked-url"), {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
        body: JSON.stringify({ name: file.name, size: file.size, replaces: replaces || null })
      });
      url = started.url;
      chunk = started.chunk_size || chunk;
      offset = 0;
      remember(key, url);
    }
    var wait = 2;
    for (;;) {
      var pct = Math.floor((100 * offset) / file.size);
      report(fill(text.sending, { name: file.name, pct: pct }), pct);
      try {
        var result = await request(url, {
          method: "PUT",
          credentials: "same-origin",
          headers: { "X-CSRFToken": csrf, "Upload-Offset": String(offset), "Content-Type": "application/octet-stream" },
          body: file.slice(offset, offset + chunk)
        });
        wait = 2;
        offset = result.offset;
        if (result.html) { forget(key); return result.html; }
      } catch (error) {
        if (error.body && error.body.code === "offset") { offset = error.body.offset; continue; }
        if (error.permanent) { forget(key); throw error; }
        // The network dropped (or the server is busy): wait, ask where the upload stands, go on.
        for (var s = wait; s > 0; s--) {
          report(fill(text.retry, { s: s, name: file.name, pct: Math.floor((100 * offset) / file.size) }), null);
          await sleep(1000);
        }
        wait = Math.min(wait * 2, 30);
        try { offset = (await where(url, csrf)).offset; } catch (e) { /* still offline: loop again */ }
      }
    }
  }

  function swapBlock(form, markup) {
    var target = document.querySelector(form.getAttribute("data-target"));
    if (!target) return;
    if (window.htmx && htmx.swap) {
      htmx.swap(target, markup, { swapStyle: "outerHTML" });
    } else {
      target.outerHTML = markup;
    }
  }

  document.addEventListener("submit", async function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form.evidence-upload[data-chunked-url]")) return;
    event.preventDefault();
    var input = form.querySelector("input[type=file]");
    var status = form.querySelector(".upload-progress");
    var button = form.querySelector("button[type=submit]");
    var select = form.querySelector("select[name=replaces]");
    var replaces = select ? select.value : "";
    var files = Array.prototype.slice.call(input.files || []);
    if (!files.length) { status.textContent = text.choose; input.focus(); return; }
    var bar = document.createElement("progress");
    bar.max = 100;
    bar.className = "w-100";
    button.disabled = true;
    var markup = null;
    var messages = [];
    for (var i = 0; i < files.length; i++) {
      var file = files[i];
      try {
        markup = await uploadFile(form, file, i === 0 ? replaces : "", function (message, pct) {
          status.textContent = message;
          if (pct !== null) { bar.value = pct; if (!bar.parentNode) status.after(bar); }
        });
        messages.push(fill(text.done, { name: file.name }));
      } catch (error) {
        messages.push(fill(text.failed, { name: file.name, msg: error.message }));
      }
    }
    button.disabled = false;
    if (markup) {
      swapBlock(form, markup);
      var fresh = document.querySelector(form.getAttribute("data-target"));
      var freshStatus = fresh && fresh.querySelector(".upload-progress");
      if (freshStatus) freshStatus.textContent = messages.join(" ");
    } else {
      if (bar.parentNode) bar.remove();
      status.textContent = messages.join(" ");
      status.classList.add("text-danger");
    }
  });
})();
