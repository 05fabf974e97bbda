package dev.ecrgate.server;

import dev.ecrgate.admission.AdmissionCodec;
import dev.ecrgate.admission.BadAdmissionRequestException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTPS server: {@code POST /validate} for AdmissionReviews, {@code GET /healthz} (alive) and
 * {@code GET /readyz} (200 once policies are loaded and the decision path is warm).
 *
 * <p>Errors become HTTP answers in one place, {@link #fail}: the caller's mistakes are 400 (bad review), 413 (body
 * over the limit) or 415 (not JSON), each with a one-line JSON body; anything else is a 500 whose body says only
 * "internal error" while the log has the details. No stack trace reaches a client.
 */
public final class WebhookServer {
    private static final Logger LOG = LoggerFactory.getLogger(WebhookServer.class);

    private final Vertx vertx;
    private final AdmissionHandler admission;
    private final AdmissionCodec codec;
    private final long maxBodyBytes;
    private final AtomicBoolean ready = new AtomicBoolean();

    public WebhookServer(Vertx vertx, AdmissionHandler admission, AdmissionCodec codec, long maxBodyBytes) {
        this.vertx = vertx;
        this.admission = admission;
        this.codec = codec;
        this.maxBodyBytes = maxBodyBytes;
    }

    /** The routes of the server, in one place. */
    Router router() {
        Router router = Router.router(vertx);
        router.post("/validate")
                .handler(BodyHandler.create(false).setBodyLimit(maxBodyBytes).setHandleFileUploads(false))
                .handler(this::validate);
        router.get("/healthz").handler(ctx -> ctx.response().putHeader("content-type", "text/plain").end("ok"));
        router.get("/readyz").handler(ctx -> ctx.response().setStatusCode(ready.get() ? 200 : 503)
                .putHeader("content-type", "text/plain").end(ready.get() ? "ready" : "not ready"));
        router.errorHandler(413, ctx -> error(ctx, 413, "request body exceeds the limit of " + maxBodyBytes
                + " bytes"));
        router.errorHandler(500, ctx -> {
            LOG.error("unexpected failure answering {} {}", ctx.request().method(), ctx.request().path(),
                    ctx.failure());
            error(ctx, 500, "internal error");
        });
        return router;
    }

    public Future<HttpServer> listen(HttpServerOptions options) {
        return vertx.createHttpServer(options).requestHandler(router()).listen();
    }

    /** Marks the server ready: {@code /readyz} answers 200 from now on. */
    public void ready() {
        ready.set(true);
    }

    private void validate(RoutingContext ctx) {
        String type = ctx.request().getHeader("content-type");
        if (type != null && !type.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
            error(ctx, 415, "content type must be application/json, got " + type.replaceAll("[^ -~]", "?"));
            return;
        }
        Buffer body = ctx.body().buffer();
        if (body == null || body.length() == 0) {
            error(ctx, 400, "request body is empty: expected an AdmissionReview");
            return;
        }
        admission.handle(body.getBytes()).onComplete(ar -> {
            if (ar.succeeded()) {
                ctx.response().putHeader("content-type", "application/json").end(Buffer.buffer(ar.result()));
            } else {
                fail(ctx, ar.cause());
            }
        });
    }

    private void fail(RoutingContext ctx, Throwable cause) {
        if (cause instanceof BadAdmissionRequestException bad) {
            LOG.info("refused a request from {}: {}", ctx.request().remoteAddress(), bad.getMessage());
            error(ctx, 400, bad.getMessage());
        } else {
            LOG.error("unexpected failure answering an AdmissionReview", cause);
            error(ctx, 500, "internal error");
        }
    }

    private void error(RoutingContext ctx, int status, String message) {
        if (ctx.response().ended()) {
            return;
        }
        ctx.response().setStatusCode(status).putHeader("content-type", "application/json")
                .end(Buffer.buffer(codec.encodeError(message)));
    }
}
