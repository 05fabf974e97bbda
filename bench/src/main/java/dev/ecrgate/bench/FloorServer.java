package dev.ecrgate.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ecrgate.admission.AdmissionAnswer;
import dev.ecrgate.admission.AdmissionCodec;
import dev.ecrgate.certs.TlsMaterial;
import dev.ecrgate.server.ServerTls;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The benchmark's floor: the least a webhook on the same stack must do. Same Vert.x, same TLS settings, same body
 * limit as ecrgate; it parses the AdmissionReview (a Jackson tree), echoes the uid and answers allowed. What
 * ecrgate costs beyond this is the price of its decision.
 *
 * <p>{@code java -cp bench.jar dev.ecrgate.bench.FloorServer PORT CERT.pem KEY.pem}
 */
public final class FloorServer {
    private FloorServer() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        TlsMaterial tls = TlsMaterial.read(Path.of(args[1]), Path.of(args[2]));
        ObjectMapper json = new AdmissionCodec().mapper();
        AdmissionCodec codec = new AdmissionCodec();
        Vertx vertx = Vertx.vertx();
        Router router = Router.router(vertx);
        router.post("/validate").handler(BodyHandler.create(false).setBodyLimit(8L * 1024 * 1024))
                .handler(ctx -> {
                    try {
                        JsonNode review = json.readTree(ctx.body().buffer().getBytes());
                        String uid = review.path("request").path("uid").asText();
                        ctx.response().putHeader("content-type", "application/json")
                                .end(Buffer.buffer(codec.encode(uid, AdmissionAnswer.allow())));
                    } catch (Exception e) {
                        ctx.response().setStatusCode(400).end();
                    }
                });
        router.get("/readyz").handler(ctx -> ctx.response().end("ready"));
        HttpServerOptions options = ServerTls.apply(new HttpServerOptions().setHost("127.0.0.1").setPort(port),
                ServerTls.sslOptions(tls.key(), tls.chain(), List.of()));
        vertx.createHttpServer(options).requestHandler(router).listen().await(30, TimeUnit.SECONDS);
        System.out.println("floor server listening on https://127.0.0.1:" + port + "/validate");
    }
}
