package dev.ecrgate.findings;

import dev.ecrgate.image.ImageReference;
import java.util.concurrent.CompletionStage;

/**
 * Where image facts come from: recorded AWS CLI output, or the live ECR API.
 *
 * <p>Implementations are thread safe and never block the calling thread: the answer completes later, on a thread
 * of the implementation's choosing. A stage never completes with {@code null}; an image that ECR does not know
 * completes normally with {@link ScanStatus#NOT_FOUND}.
 */
public interface FindingsSource {
    /** The facts of {@code image}, which is an ECR image ({@code image.ecr()} is present). */
    CompletionStage<ImageFacts> facts(ImageReference image);
}
