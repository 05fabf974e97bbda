package dev.ecrgate.findings;

import dev.ecrgate.image.ImageReference;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * Where image facts come from: recorded AWS CLI output, or the live ECR API.
 *
 * <p>Implementations are thread safe and never block the calling thread: the answer completes later, on a thread
 * of the implementation's choosing. A stage never completes with {@code null}; an image that ECR does not know
 * completes normally with {@link ScanStatus#NOT_FOUND}, and a fact that could not be read completes normally with
 * the failure recorded in {@link ImageFacts}.
 */
public interface FindingsSource {
    /** The facts of {@code image}, which is an ECR image ({@code image.ecr()} is present). */
    CompletionStage<ImageFacts> facts(ImageReference image, FactNeeds needs);

    /**
     * The facts of several images of one request, each completing on its own so that a deadline can take what is
     * ready. Sources that can batch (one DescribeImages per repository) override this; the default asks for each
     * image on its own.
     */
    /**
     * Asks to be told when a fact this source has answered with may now read differently, so that the background
     * audit decides again. Sources whose facts never change in place (recorded findings, which are replaced whole
     * when their files change) tell nothing.
     *
     * @return closing it stops the telling
     */
    default AutoCloseable onChange(Runnable listener) {
        return () -> { };
    }

    default Map<ImageReference, CompletionStage<ImageFacts>> factsAll(Map<ImageReference, FactNeeds> images) {
        Map<ImageReference, CompletionStage<ImageFacts>> out = new LinkedHashMap<>();
        images.forEach((ref, needs) -> out.put(ref, facts(ref, needs)));
        return out;
    }
}
