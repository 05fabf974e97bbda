package dev.ecrgate.server;

import dev.ecrgate.findings.ecr.EcrFacts;
import dev.ecrgate.image.ImageReference;
import dev.ecrgate.image.InvalidImageReferenceException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the live ECR source does before {@code /readyz} turns ready, so that the first real admission is warm:
 * read the facts of the images in the {@code --prefetch} file, or else resolve the AWS credentials once (retrying
 * until there are some: a webhook that cannot read ECR would only fail admissions).
 */
final class LiveReadiness {
    private static final Logger LOG = LoggerFactory.getLogger(LiveReadiness.class);

    private LiveReadiness() {
    }

    static CompletableFuture<Void> prepare(EcrFacts ecr, Optional<Path> prefetch) {
        if (prefetch.isPresent()) {
            List<ImageReference> images = readPrefetch(prefetch.get());
            LOG.info("prefetching the ECR facts of {} images from {}", images.size(), prefetch.get());
            return ecr.prefetch(images).orTimeout(60, TimeUnit.SECONDS).handle((summary, error) -> {
                if (error != null) {
                    LOG.warn("prefetch did not finish: {}", error.toString());
                } else {
                    LOG.info("prefetch done: {}", summary);
                }
                return null;
            });
        }
        return credentials(ecr, 0);
    }

    private static CompletableFuture<Void> credentials(EcrFacts ecr, int attempt) {
        return ecr.checkCredentials().handle((who, error) -> {
            if (error == null) {
                LOG.info("{}", who);
                return CompletableFuture.<Void>completedFuture(null);
            }
            if (attempt == 0 || attempt % 12 == 0) {
                LOG.error("no AWS credentials yet ({}); /readyz stays 503 until there are. See README, AWS setup.",
                        error.getMessage() == null ? error.toString() : error.getMessage().lines().findFirst()
                                .orElse(""));
            }
            return CompletableFuture.runAsync(() -> { },
                            CompletableFuture.delayedExecutor(5, TimeUnit.SECONDS))
                    .thenCompose(v -> credentials(ecr, attempt + 1));
        }).thenCompose(f -> f);
    }

    /** One image reference per line; blank lines and {@code #} comments are skipped, bad lines logged. */
    static List<ImageReference> readPrefetch(Path file) {
        List<ImageReference> out = new ArrayList<>();
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            LOG.warn("cannot read the prefetch file {}: {}", file, e.toString());
            return out;
        }
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            try {
                out.add(ImageReference.parse(line));
            } catch (InvalidImageReferenceException e) {
                LOG.warn("{}:{}: {}", file, i + 1, e.getMessage());
            }
        }
        return out;
    }
}
