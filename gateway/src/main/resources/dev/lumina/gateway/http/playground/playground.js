// Lumina playground: plain browser JavaScript, no build step, no CDN. Talks to the gateway's HTTP
// front: GET /v1/models, POST /v1/jobs, GET /v1/jobs/{id}/events (server-sent events),
// POST /v1/jobs/{id}/cancel, GET /v1/artifacts/{id}/{index}.
(function () {
  'use strict';
  const $ = (id) => document.getElementById(id);
  let models = [];
  let current = null; // {jobId, source}

  function headers() {
    const h = { 'Content-Type': 'application/json' };
    const key = $('apikey').value.trim();
    if (key) h['Authorization'] = 'Bearer ' + key;
    return h;
  }
  function keyQuery() {
    const key = $('apikey').value.trim();
    return key ? '?api_key=' + encodeURIComponent(key) : '';
  }
  function showError(msg) {
    const e = $('error');
    e.textContent = msg;
    e.hidden = !msg;
  }
  async function errorText(resp) {
    try {
      const j = await resp.json();
      if (j && j.error) {
        return 'HTTP ' + resp.status + ' ' + (j.error.code || '') + ': ' + j.error.message +
          (j.error.param ? '  (field: ' + j.error.param + ')' : '');
      }
    } catch (e) { /* not JSON */ }
    return 'HTTP ' + resp.status;
  }

  async function loadModels() {
    try {
      const resp = await fetch('/v1/models', { headers: headers() });
      if (!resp.ok) { showError(await errorText(resp)); $('status').textContent = 'no models'; return; }
      const body = await resp.json();
      models = body.data || [];
      const sel = $('model');
      sel.innerHTML = '';
      for (const m of models) {
        const o = document.createElement('option');
        o.value = m.id;
        o.textContent = m.id;
        if (m.id === body.default_model) o.selected = true;
        sel.appendChild(o);
      }
      onModel();
      $('status').textContent = models.length + ' model(s)';
    } catch (e) {
      showError('cannot reach the gateway: ' + e);
    }
  }
  function onModel() {
    const m = models.find((x) => x.id === $('model').value);
    if (!m) return;
    $('size').placeholder = m.default_width + 'x' + m.default_height;
    $('steps').placeholder = String(m.default_steps || 'default');
    if (m.max_steps) $('steps').max = m.max_steps;
  }

  function setRunning(running) {
    $('generate').disabled = running;
    $('cancel').disabled = !running;
  }

  async function generate(ev) {
    ev.preventDefault();
    showError('');
    const body = { prompt: $('prompt').value, model: $('model').value || undefined, preview_every: 1 };
    if ($('negative').value) body.negative_prompt = $('negative').value;
    if ($('size').value.trim()) body.size = $('size').value.trim();
    if ($('steps').value) body.steps = Number($('steps').value);
    if ($('seed').value) body.seed = Number($('seed').value);
    if ($('cfg').value) body.cfg_scale = Number($('cfg').value);
    setRunning(true);
    $('run').hidden = false;
    $('progress').value = 0;
    $('progress-text').textContent = 'submitting…';
    $('preview').removeAttribute('src');
    $('result').removeAttribute('src');
    $('result-caption').textContent = 'result';
    let job;
    try {
      const resp = await fetch('/v1/jobs', { method: 'POST', headers: headers(), body: JSON.stringify(body) });
      if (!resp.ok) { showError(await errorText(resp)); setRunning(false); $('progress-text').textContent = 'refused'; return; }
      job = await resp.json();
    } catch (e) {
      showError('submit failed: ' + e); setRunning(false); return;
    }
    follow(job, body.prompt);
  }

  function follow(job, prompt) {
    const source = new EventSource(job.events + keyQuery());
    current = { jobId: job.job_id, source };
    $('progress-text').textContent = 'queued (job ' + job.job_id + ')';
    let finalSrc = null;
    source.addEventListener('accepted', () => { $('progress-text').textContent = 'accepted, waiting for a worker'; });
    source.addEventListener('progress', (e) => {
      const p = JSON.parse(e.data);
      $('progress').max = p.total || 1;
      $('progress').value = p.step;
      $('progress-text').textContent = 'step ' + p.step + ' / ' + p.total +
        (p.eta_ms ? ' — about ' + Math.ceil(p.eta_ms / 1000) + ' s left' : '');
    });
    source.addEventListener('preview', (e) => {
      const p = JSON.parse(e.data);
      if (p.data_url) $('preview').src = p.data_url;
    });
    source.addEventListener('frame', (e) => {
      const f = JSON.parse(e.data);
      if (f.index === 0 || finalSrc === null) finalSrc = f.data_url || (f.url + keyQuery());
    });
    source.addEventListener('completed', (e) => {
      const c = JSON.parse(e.data);
      if (finalSrc === null && c.artifacts && c.artifacts.length) finalSrc = c.artifacts[0].url + keyQuery();
      $('progress').value = $('progress').max;
      $('progress-text').textContent = 'done in ' + (c.total_ms / 1000).toFixed(1) + ' s, seed ' + c.seed;
      $('result').src = finalSrc;
      $('result-caption').textContent = 'seed ' + c.seed;
      addToGallery(finalSrc, prompt, c.seed);
      finish(source);
    });
    source.addEventListener('failed', (e) => {
      const f = JSON.parse(e.data);
      showError(f.code + ': ' + f.message);
      $('progress-text').textContent = f.code === 'CANCELLED' ? 'cancelled' : 'failed';
      finish(source);
    });
    source.addEventListener('error', (e) => {
      if (e.data) {
        const x = JSON.parse(e.data);
        showError('HTTP ' + x.status + ' ' + x.code + ': ' + x.message);
        finish(source);
      } else if (source.readyState === EventSource.CLOSED) {
        finish(source);
      }
    });
  }

  function finish(source) {
    source.close();
    current = null;
    setRunning(false);
  }

  async function cancel() {
    if (!current) return;
    const id = current.jobId;
    try {
      const resp = await fetch('/v1/jobs/' + encodeURIComponent(id) + '/cancel', { method: 'POST', headers: headers() });
      if (!resp.ok) showError(await errorText(resp));
    } catch (e) {
      showError('cancel failed: ' + e);
    }
  }

  function addToGallery(src, prompt, seed) {
    const fig = document.createElement('figure');
    const img = document.createElement('img');
    img.src = src;
    img.alt = prompt;
    const cap = document.createElement('figcaption');
    cap.textContent = prompt + ' (seed ' + seed + ')';
    cap.title = cap.textContent;
    fig.appendChild(img);
    fig.appendChild(cap);
    $('gallery').prepend(fig);
  }

  $('form').addEventListener('submit', generate);
  $('cancel').addEventListener('click', cancel);
  $('model').addEventListener('change', onModel);
  loadModels();
})();
