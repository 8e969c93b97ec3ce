package dev.lumina.gateway;

import dev.lumina.proto.cluster.v1.ModelCard;
import dev.lumina.proto.v1.GetModelRequest;
import dev.lumina.proto.v1.ListModelsRequest;
import dev.lumina.proto.v1.ListModelsResponse;
import dev.lumina.proto.v1.ModelInfo;
import dev.lumina.proto.v1.ModelsGrpc;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;

/** {@code lumina.v1.Models} over the gateway's {@link ModelCatalog}. Thread-safe. */
final class ModelsService extends ModelsGrpc.ModelsImplBase {
  private final ModelCatalog catalog;

  ModelsService(ModelCatalog catalog) {
    this.catalog = catalog;
  }

  @Override
  public void listModels(ListModelsRequest request, StreamObserver<ListModelsResponse> out) {
    out.onNext(
        ListModelsResponse.newBuilder()
            .addAllModels(catalog.all().stream().map(ModelCard::getInfo).toList())
            .setDefaultModel(catalog.defaultModel())
            .build());
    out.onCompleted();
  }

  @Override
  public void getModel(GetModelRequest request, StreamObserver<ModelInfo> out) {
    catalog
        .find(request.getName())
        .ifPresentOrElse(
            c -> {
              out.onNext(c.getInfo());
              out.onCompleted();
            },
            () ->
                out.onError(
                    Status.NOT_FOUND
                        .withDescription("name: no model " + GatewayErrors.quote(request.getName()))
                        .asRuntimeException()));
  }
}
