'use strict';
// A small client of the Lumina Serve public API (lumina.v1), loading the project's .proto files at
// runtime with @grpc/proto-loader.
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const PROTOS = path.resolve(__dirname, '..', '..', 'proto', 'src', 'main', 'proto');

function load() {
  const def = protoLoader.loadSync(['lumina/v1/generation.proto', 'lumina/v1/models.proto'], {
    includeDirs: [PROTOS],
    keepCase: true,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  return grpc.loadPackageDefinition(def).lumina.v1;
}

class LuminaClient {
  /** target "host:port"; apiKey sent as x-api-key when given. */
  constructor(target, apiKey) {
    const v1 = load();
    const creds = grpc.credentials.createInsecure();
    const options = { 'grpc.max_receive_message_length': 64 * 1024 * 1024 };
    this.generation = new v1.Generation(target, creds, options);
    this.models = new v1.Models(target, creds, options);
    this.metadata = new grpc.Metadata();
    if (apiKey) this.metadata.set('x-api-key', apiKey);
  }

  close() {
    this.generation.close();
    this.models.close();
  }

  unary(stub, method, request) {
    return new Promise((resolve, reject) =>
      stub[method](request, this.metadata, (err, res) => (err ? reject(err) : resolve(res))));
  }

  listModels() {
    return this.unary(this.models, 'ListModels', {}).then((r) => r.models);
  }

  submit(request) {
    return this.unary(this.generation, 'Submit', request);
  }

  cancel(jobId) {
    return this.unary(this.generation, 'Cancel', { job_id: jobId });
  }

  getJob(jobId) {
    return this.unary(this.generation, 'GetJob', { job_id: jobId });
  }

  /** Calls onChunk for every chunk of a Generate call; resolves when the stream ends. */
  generate(request, onChunk) {
    return this.stream(this.generation.Generate(request, this.metadata), onChunk);
  }

  /** Calls onChunk for every chunk with seq > afterSeq, then follows the job to its end. */
  watch(jobId, onChunk, afterSeq = 0) {
    return this.stream(
      this.generation.Watch({ job_id: jobId, after_seq: String(afterSeq) }, this.metadata), onChunk);
  }

  stream(call, onChunk) {
    return new Promise((resolve, reject) => {
      call.on('data', onChunk);
      call.on('error', reject);
      call.on('end', resolve);
    });
  }

  /** Writes artifact `index` of the job to `file`, checking size and sha256; resolves its media type. */
  downloadArtifact(jobId, file, index = 0) {
    return new Promise((resolve, reject) => {
      const out = fs.createWriteStream(file);
      const hash = crypto.createHash('sha256');
      let size = 0;
      let total = -1;
      let sha = '';
      let mediaType = '';
      const call = this.generation.GetArtifact({ job_id: jobId, index }, this.metadata);
      call.on('data', (piece) => {
        if (Number(piece.offset) !== size) {
          call.cancel();
          reject(new Error(`piece at offset ${piece.offset}, expected ${size}`));
          return;
        }
        out.write(piece.data);
        hash.update(piece.data);
        size += piece.data.length;
        total = Number(piece.total_size);
        mediaType = piece.media_type;
        if (piece.sha256) sha = piece.sha256;
      });
      call.on('error', (e) => { out.destroy(); reject(e); });
      call.on('end', () => out.end(() => {
        if (size !== total) reject(new Error(`got ${size} bytes of ${total}`));
        else if (sha !== hash.digest('hex')) reject(new Error('sha256 does not match'));
        else resolve(mediaType);
      }));
    });
  }
}

module.exports = { LuminaClient };
