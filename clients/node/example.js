'use strict';
// Lumina Serve from Node.js: list models, generate a small image with progress, download it with
// GetArtifact, then submit a second job and cancel it. Exits non-zero on any failure.
//   node example.js --target localhost:8443 [--api-key KEY] [--out DIR]
const fs = require('fs');
const path = require('path');
const { LuminaClient } = require('./client');

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
}

async function main() {
  const target = arg('--target', process.env.LUMINA_TARGET || 'localhost:8443');
  const apiKey = arg('--api-key', process.env.LUMINA_API_KEY);
  const out = arg('--out', '.');
  const steps = Number(arg('--steps', '2'));
  const client = new LuminaClient(target, apiKey);
  try {
    const models = await client.listModels();
    if (models.length === 0) throw new Error('no models served');
    const model = models[0];
    console.log(`model ${model.name}`);

    let jobId = '';
    let frames = 0;
    let failed = null;
    await client.generate(
      { prompt: 'a red square on a white wall', model: model.name,
        sampling: { steps, seed: '7' }, output: { preview_every: 1 } },
      (c) => {
        jobId = c.job_id;
        if (c.payload === 'accepted') console.log(`job ${jobId} accepted on tier ${c.accepted.tier}`);
        else if (c.payload === 'progress') console.log(`step ${c.progress.step}/${c.progress.total}`);
        else if (c.payload === 'frame') frames += 1;
        else if (c.payload === 'completed') console.log(`completed, seed ${c.completed.seed}`);
        else if (c.payload === 'failed') failed = c.failed;
      });
    if (failed) throw new Error(`job failed: ${failed.code}: ${failed.message}`);
    if (frames === 0) throw new Error('no frame streamed');

    const file = path.join(out, 'node-example.png');
    const mediaType = await client.downloadArtifact(jobId, file, 0);
    const head = fs.readFileSync(file).subarray(0, 4);
    if (head[0] !== 0x89 || head.toString('latin1', 1, 4) !== 'PNG') {
      throw new Error('downloaded artifact is not a PNG');
    }
    console.log(`downloaded ${mediaType} ${fs.statSync(file).size} bytes to ${file}`);

    const second = await client.submit(
      { prompt: 'a blue circle', model: model.name, sampling: { steps } });
    await client.cancel(second.job_id);
    try {
      await client.watch(second.job_id, () => {});
    } catch (e) {
      console.log(`watch ended: ${e.code === 1 ? 'CANCELLED' : e.message}`);
    }
    const state = (await client.getJob(second.job_id)).state;
    if (state === 'QUEUED' || state === 'RUNNING') throw new Error(`cancelled job still ${state}`);
    console.log(`second job ${second.job_id} ended ${state}`);
    console.log('node example: OK');
  } finally {
    client.close();
  }
}

main().catch((e) => {
  console.error(`node example: ${e.message}`);
  process.exit(1);
});
