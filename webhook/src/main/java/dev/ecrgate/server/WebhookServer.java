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
 * The HTTPS server: {@code POST /validate} for AdmissionReviews, {@code GET /healthz} (alive),
 * {@code GET /readyz} (200 once policies are loaded and the decision path is warm) and {@code GET /metrics}
 * (Prometheus text format). Only {@code /validate} requires the client certificate that {@code --client-ca} asks for:
 * probes and Prometheus have none.
 *
 * <p>Errors become HTTP answers in one place, {@link #fail}: the caller's mistakes are 400 (bad review), 413 (body
 * over the limit) or 415 (not JSON), each with a one-line JSON body; anything else is a 500 whose body says only
 * "internal error" while the log has the details. No stack trace reaches a client.
 */
public final class WebhookServer {
    private static final Logger LOG = LoggerFactory.getLogger(WebhookServer.class);
    /** How long a request may take to arrive and be answered; the API server's own timeout is at most 30 s. */
    public static final long REQUEST_TIMEOUT_MILLIS = 10_000;

    private final Vertx vertx;
    private final AdmissionHandler admission;
    private final AdmissionCodec codec;
    private final long maxBodyBytes;
    private final boolean requireClientCertificate;
    private final int maxConnections;
    private final Metrics metrics;
    private final AtomicBoolean ready = new AtomicBoolean();
    private volatile java.util.function.Supplier<java.util.Optional<String>> degraded = java.util.Optional::empty;
    private final AtomicBoolean draining = new AtomicBoolean();

    /**
     * @param requireClientCertificate refuse {@code /validate} requests whose connection presented no client
     *                                 certificate (the TLS layer has already checked any that was presented)
     * @param maxConnections           open connections beyond this are closed as they arrive
     */
    public WebhookServer(Vertx vertx, AdmissionHandler admission, AdmissionCodec codec, long maxBodyBytes,
                         boolean requireClientCertificate, int maxConnections, Metrics metrics) {
        this.maxConnections = maxConnections;
        this.vertx = vertx;
        this.metrics = metrics;
        this.admission = admission;
        this.codec = codec;
        this.maxBodyBytes = maxBodyBytes;
        this.requireClientCertificate = requireClientCertificate;
    }

    /** The routes of the server, in one place. */
    Router router() {
        Router router = Router.router(vertx);
        router.post("/validate")
                // a sender that trickles its body (slowloris) is cut off; the API server sends at once
                .handler(io.vertx.ext.web.handler.TimeoutHandler.create(REQUEST_TIMEOUT_MILLIS, 408))
                // who and what are settled before a byte of the body is read (a route of their own, since Vert.x
                // runs a route's body handler before its other handlers): a caller without a certificate, or with
                // a form or a file upload, never makes the server buffer or decode its body
                .handler(this::authenticate)
                .handler(this::requireJson);
        router.post("/validate")
                .handler(BodyHandler.create(false).setBodyLimit(maxBodyBytes).setHandleFileUploads(false))
                .handler(this::validate);
        router.get("/metrics").handler(this::metrics);
        router.get("/healthz").handler(ctx -> ctx.response().putHeader("content-type", "text/plain").end("ok"));
        router.get("/readyz").handler(ctx -> {
            closeIfDraining(ctx);
            boolean yes = ready.get() && !draining.get();
            // a degraded part (an event queue that cannot be read) is said, but admission works without it
            String note = yes ? degraded.get().map(d -> "\ndegraded: " + d).orElse("") : "";
            ctx.response().setStatusCode(yes ? 200 : 503).putHeader("content-type", "text/plain")
                    .end(yes ? "ready" + note : draining.get() ? "shutting down" : "not ready");
        });
        router.errorHandler(413, ctx -> error(ctx, 413, "request body exceeds the limit of " + maxBodyBytes
                + " bytes"));
        router.errorHandler(408, ctx -> {
            error(ctx, 408, "the request was not received within " + REQUEST_TIMEOUT_MILLIS + " ms");
            ctx.request().connection().close();
        });
        router.errorHandler(400, ctx -> {
            LOG.debug("refused an unreadable request body: {}", String.valueOf(ctx.failure()));
            error(ctx, 400, "the request body could not be read: expected an AdmissionReview as JSON");
        });
        router.errorHandler(500, ctx -> {
            LOG.error("unexpected failure answering {} {}", ctx.request().method(), ctx.request().path(),
                    ctx.failure());
            error(ctx, 500, "internal error");
        });
        return router;
    }

    public Future<HttpServer> listen(HttpServerOptions options) {
        java.util.concurrent.atomic.AtomicInteger open = new java.util.concurrent.atomic.AtomicInteger();
        return vertx.createHttpServer(options)
                .connectionHandler(connection -> {
                    if (open.incrementAndGet() > maxConnections) {
                        LOG.warn("refused a connection from {}: {} connections are open already",
                                connection.remoteAddress(), maxConnections);
                        connection.close();
                    }
                    connection.closeHandler(v -> open.decrementAndGet());
                })
                .requestHandler(router()).listen();
    }

    /**
     * What {@code /readyz} adds below "ready" while a part that admission does not need is failing; readiness
     * stays 200, since taking replicas out would only make admission worse.
     */
    public void degraded(java.util.function.Supplier<java.util.Optional<String>> what) {
        degraded = java.util.Objects.requireNonNull(what, "what");
    }

    /** Marks the server ready: {@code /readyz} answers 200 from now on. */
    public void ready() {
        ready.set(true);
    }

    /**
     * Starts draining: {@code /readyz} fails from now on, and every answer carries {@code Connection: close}, while
     * requests keep being answered until the server is shut down.
     */
    public void drain() {
        draining.set(true);
    }

    /** While draining, every answer closes its connection, so clients move to other replicas. */
    private void closeIfDraining(RoutingContext ctx) {
        if (draining.get()) {
            ctx.response().putHeader("connection", "close");
        }
    }

    /** Scrapes on a worker thread: formatting a few hundred series takes a millisecond or so. */
    private void metrics(RoutingContext ctx) {
        vertx.executeBlocking(metrics::scrape, false).onComplete(ar -> {
            if (ar.failed()) {
                ctx.fail(ar.cause());
            } else if (ar.result().isEmpty()) {
                ctx.response().setStatusCode(404).putHeader("content-type", "text/plain").end("no metrics");
            } else {
                ctx.response().putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8")
                        .end(ar.result().get());
            }
        });
    }

    private void authenticate(RoutingContext ctx) {
        if (requireClientCertificate) {
            boolean presented;
            try {
                presented = !ctx.request().connection().peerCertificates().isEmpty();
            } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
                presented = false;
            }
            if (!presented) {
                error(ctx, 401, "a client certificate signed by the configured client CA is required");
                return;
            }
        }
        ctx.next();
    }

    /**
     * Refuses any content type but JSON with 415 before the body is read; the connection closes after the answer,
     * since the body it carried is left unread. A request without a content type is read as JSON.
     */
    private void requireJson(RoutingContext ctx) {
        String type = ctx.request().getHeader("content-type");
        if (type != null && !isJson(type)) {
            ctx.response().putHeader("connection", "close");
            error(ctx, 415, "content type must be application/json, got " + type.replaceAll("[^ -~]", "?"));
            return;
        }
        ctx.next();
    }

    /** {@code application/json}, in any case, with or without parameters; allocates nothing (every request). */
    private static boolean isJson(String contentType) {
        String json = "application/json";
        int start = 0;
        while (start < contentType.length() && contentType.charAt(start) == ' ') {
            start++;
        }
        if (!contentType.regionMatches(true, start, json, 0, json.length())) {
            return false;
        }
        for (int i = start + json.length(); i < contentType.length(); i++) {
            char c = contentType.charAt(i);
            if (c == ';') {
                return true;
            }
            if (c != ' ' && c != '\t') {
                return false;
            }
        }
        return true;
    }

    private void validate(RoutingContext ctx) {
        closeIfDraining(ctx);
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
