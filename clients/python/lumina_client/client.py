"""LuminaClient: Generate, Submit, Watch, Cancel, GetJob, GetArtifact and ListModels over gRPC.

The stubs are generated from the project's .proto files (see generate_stubs.sh) and must be on
sys.path as the package `lumina.v1` (e.g. PYTHONPATH=generated).
"""

import hashlib

import grpc

from lumina.v1 import generation_pb2, generation_pb2_grpc, models_pb2, models_pb2_grpc


class LuminaError(Exception):
    """A call failed: `code` is the gRPC status code name, `message` the server's words."""

    def __init__(self, code, message):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def _wrap(err):
    return LuminaError(err.code().name, err.details())


class LuminaClient:
    """One channel to a gateway; `api_key` is sent as x-api-key when given. Use as a context manager."""

    def __init__(self, target, api_key=None, max_message_bytes=64 * 1024 * 1024):
        self._channel = grpc.insecure_channel(
            target, options=[("grpc.max_receive_message_length", max_message_bytes)]
        )
        self._metadata = [("x-api-key", api_key)] if api_key else []
        self._generation = generation_pb2_grpc.GenerationStub(self._channel)
        self._models = models_pb2_grpc.ModelsStub(self._channel)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self._channel.close()

    @staticmethod
    def request(prompt, **fields):
        """A GenerateRequest: prompt plus any field of generation.proto (nested ones as dicts)."""
        return generation_pb2.GenerateRequest(prompt=prompt, **fields)

    def list_models(self):
        try:
            return list(
                self._models.ListModels(models_pb2.ListModelsRequest(), metadata=self._metadata).models
            )
        except grpc.RpcError as e:
            raise _wrap(e) from None

    def generate(self, request, timeout=None):
        """Yields the job's chunks (accepted, progress, previews, frames, completed or failed)."""
        try:
            yield from self._generation.Generate(request, metadata=self._metadata, timeout=timeout)
        except grpc.RpcError as e:
            raise _wrap(e) from None

    def submit(self, request):
        try:
            return self._generation.Submit(request, metadata=self._metadata)
        except grpc.RpcError as e:
            raise _wrap(e) from None

    def watch(self, job_id, after_seq=0, timeout=None):
        """Yields the job's chunks with seq > after_seq from any gateway, then follows it to its end."""
        req = generation_pb2.WatchRequest(job_id=job_id, after_seq=after_seq)
        try:
            yield from self._generation.Watch(req, metadata=self._metadata, timeout=timeout)
        except grpc.RpcError as e:
            raise _wrap(e) from None

    def cancel(self, job_id):
        try:
            return self._generation.Cancel(
                generation_pb2.CancelRequest(job_id=job_id), metadata=self._metadata
            )
        except grpc.RpcError as e:
            raise _wrap(e) from None

    def get_job(self, job_id):
        try:
            return self._generation.GetJob(
                generation_pb2.GetJobRequest(job_id=job_id), metadata=self._metadata
            )
        except grpc.RpcError as e:
            raise _wrap(e) from None

    def download_artifact(self, job_id, path, index=0):
        """Writes artifact `index` of the job to `path`; checks its size and sha256. Returns the media type."""
        req = generation_pb2.GetArtifactRequest(job_id=job_id, index=index)
        digest = hashlib.sha256()
        size = 0
        expected_sha, total, media_type = "", None, ""
        try:
            with open(path, "wb") as f:
                for piece in self._generation.GetArtifact(req, metadata=self._metadata):
                    if piece.offset != size:
                        raise LuminaError("DATA_LOSS", f"piece at offset {piece.offset}, expected {size}")
                    f.write(piece.data)
                    digest.update(piece.data)
                    size += len(piece.data)
                    total, media_type = piece.total_size, piece.media_type
                    if piece.sha256:
                        expected_sha = piece.sha256
        except grpc.RpcError as e:
            raise _wrap(e) from None
        if total is None or size != total:
            raise LuminaError("DATA_LOSS", f"got {size} bytes of {total}")
        if expected_sha != digest.hexdigest():
            raise LuminaError("DATA_LOSS", "sha256 of the downloaded bytes does not match")
        return media_type
