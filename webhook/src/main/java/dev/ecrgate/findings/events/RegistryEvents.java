package dev.ecrgate.findings.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ecrgate.image.EcrRegistry;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the body of a queue message as the EventBridge event it carries: as EventBridge delivers it to SQS, or
 * wrapped in an SNS notification ({@code "Type": "Notification"}, the event as the {@code Message} string). Pure:
 * the same body always gives the same answer, and no body makes it throw.
 *
 * <p>The events read, with the fields used (shapes as AWS documents them):
 * <pre>
 * aws.ecr         "ECR Image Scan"      detail: scan-status, repository-name, image-digest, image-tags
 * aws.ecr         "ECR Image Action"    detail: result (SUCCESS), action-type (PUSH | DELETE), repository-name,
 *                                               image-digest, image-tag
 * aws.ecr         "AWS Service Event via CloudTrail", detail.eventName "PolicyExecutionEvent" (lifecycle policy):
 *                                       detail.serviceEventDetails: repositoryName,
 *                                       lifecycleEventImageActions[].lifecycleEventImage: digest, tagList
 * aws.inspector2  "Inspector2 Finding"  detail.resources[] of type AWS_ECR_CONTAINER_IMAGE:
 *                                       details.awsEcrContainerImage: registry, repositoryName, imageHash, imageTags
 * aws.inspector2  "Inspector2 Scan"     detail: repository-name (a repository ARN), image-digest, image-tags
 * </pre>
 * The envelope gives {@code id}, {@code time}, {@code account} and {@code region}.
 */
public final class RegistryEvents {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern DIGEST = Pattern.compile("sha256:[a-f0-9]{64}");
    private static final Pattern REPOSITORY =
            Pattern.compile("(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*");
    /** {@code arn:aws:ecr:REGION:ACCOUNT:repository/NAME}, in any partition. */
    private static final Pattern REPOSITORY_ARN =
            Pattern.compile("arn:aws[a-z-]*:ecr:([^:]+):([0-9]{12}):repository/(.+)");
    /** Bodies larger than SQS allows are not read (256 KiB, and 1 MiB for the newer limit). */
    private static final int MAX_BODY = 1024 * 1024;

    private RegistryEvents() {
    }

    /** What {@code body} is; never null, never throws. */
    public static ParsedMessage parse(String body) {
        if (body == null || body.isBlank()) {
            return new ParsedMessage.Malformed("malformed", "the message is empty");
        }
        if (body.length() > MAX_BODY) {
            return new ParsedMessage.Malformed("malformed", "the message is larger than 1 MiB");
        }
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            return new ParsedMessage.Malformed("malformed", "the message is not JSON: "
                    + e.getOriginalMessage().lines().findFirst().orElse(""));
        }
        if (root != null && "Notification".equals(root.path("Type").asText()) && root.path("Message").isTextual()) {
            try {
                root = JSON.readTree(root.path("Message").asText());
            } catch (JsonProcessingException e) {
                return new ParsedMessage.Malformed("malformed", "the SNS notification's Message is not JSON: "
                        + e.getOriginalMessage().lines().findFirst().orElse(""));
            }
        }
        if (root == null || !root.isObject() || !root.path("detail-type").isTextual()
                || !root.path("source").isTextual() || !root.path("detail").isObject()) {
            return new ParsedMessage.Malformed("malformed", "not an EventBridge event (no source, detail-type"
                    + " and detail)");
        }
        try {
            return event(root);
        } catch (BadEvent e) {
            return new ParsedMessage.Malformed(e.type, e.getMessage());
        }
    }

    private static ParsedMessage event(JsonNode root) {
        String source = root.path("source").asText();
        String detailType = root.path("detail-type").asText();
        JsonNode detail = root.path("detail");
        switch (source + "|" + detailType) {
            case "aws.ecr|ECR Image Scan" -> {
                String type = RegistryEvent.Kind.SCAN.label();
                return new ParsedMessage.Event(new RegistryEvent(id(root), RegistryEvent.Kind.SCAN,
                        time(root, type), account(root, type), region(root, type),
                        repository(text(detail, "repository-name", type), type),
                        List.of(digest(text(detail, "image-digest", type), type)), tags(detail.path("image-tags"))));
            }
            case "aws.ecr|ECR Image Action" -> {
                return imageAction(root, detail);
            }
            case "aws.ecr|AWS Service Event via CloudTrail" -> {
                if (!"PolicyExecutionEvent".equals(detail.path("eventName").asText())) {
                    return new ParsedMessage.Ignored("cloudtrail", "CloudTrail event "
                            + detail.path("eventName").asText("?") + " changes no image");
                }
                return lifecycle(root, detail);
            }
            case "aws.inspector2|Inspector2 Finding" -> {
                return inspectorFinding(root, detail);
            }
            case "aws.inspector2|Inspector2 Scan" -> {
                return inspectorScan(root, detail);
            }
            case "aws.ecr|ECR Scan Resource Change", "aws.ecr|ECR Pull Through Cache Action",
                 "aws.ecr|ECR Replication Action", "aws.inspector2|Inspector2 Coverage",
                 "aws.inspector2|Inspector2 Coverage Status" -> {
                return new ParsedMessage.Ignored("other", detailType + " changes no cached image fact");
            }
            default -> {
                return new ParsedMessage.Unknown(source, detailType);
            }
        }
    }

    private static ParsedMessage imageAction(JsonNode root, JsonNode detail) {
        String action = detail.path("action-type").asText("");
        RegistryEvent.Kind kind = switch (action) {
            case "PUSH" -> RegistryEvent.Kind.PUSH;
            case "DELETE" -> RegistryEvent.Kind.DELETE;
            default -> null;
        };
        if (kind == null) {
            return new ParsedMessage.Ignored("image_action", "ECR Image Action " + (action.isEmpty() ? "without an"
                    + " action-type" : action) + " changes no cached image fact");
        }
        String type = kind.label();
        if (!"SUCCESS".equals(detail.path("result").asText("SUCCESS"))) {
            return new ParsedMessage.Ignored(type, "the " + action + " did not succeed ("
                    + detail.path("result").asText() + ")");
        }
        Optional<String> digest = optionalText(detail, "image-digest").map(d -> digest(d, type));
        List<String> tags = optionalText(detail, "image-tag").map(List::of).orElse(List.of());
        if (digest.isEmpty() && tags.isEmpty()) {
            throw new BadEvent(type, "ECR Image Action " + action + " names neither image-digest nor image-tag");
        }
        return new ParsedMessage.Event(new RegistryEvent(id(root), kind, time(root, type), account(root, type),
                region(root, type), repository(text(detail, "repository-name", type), type),
                digest.map(List::of).orElse(List.of()), tags));
    }

    private static ParsedMessage lifecycle(JsonNode root, JsonNode detail) {
        String type = RegistryEvent.Kind.LIFECYCLE_EXPIRY.label();
        JsonNode service = detail.path("serviceEventDetails");
        String repository = repository(text(service, "repositoryName", type), type);
        List<String> digests = new ArrayList<>();
        Set<String> tags = new LinkedHashSet<>();
        for (JsonNode action : service.path("lifecycleEventImageActions")) {
            JsonNode image = action.path("lifecycleEventImage");
            digests.add(digest(text(image, "digest", type), type));
            tags.addAll(tags(image.path("tagList")));
        }
        if (digests.isEmpty()) {
            return new ParsedMessage.Ignored(type, "the lifecycle policy expired no image");
        }
        String account = detail.path("recipientAccountId").isTextual()
                ? accountOf(detail.path("recipientAccountId").asText(), type) : account(root, type);
        String region = detail.path("awsRegion").isTextual()
                ? regionOf(detail.path("awsRegion").asText(), type) : region(root, type);
        return new ParsedMessage.Event(new RegistryEvent(id(root), RegistryEvent.Kind.LIFECYCLE_EXPIRY,
                time(root, type), account, region, repository, digests, List.copyOf(tags)));
    }

    private static ParsedMessage inspectorFinding(JsonNode root, JsonNode detail) {
        String type = RegistryEvent.Kind.INSPECTOR_FINDING.label();
        for (JsonNode resource : detail.path("resources")) {
            if (!"AWS_ECR_CONTAINER_IMAGE".equals(resource.path("type").asText())) {
                continue;
            }
            JsonNode image = resource.path("details").path("awsEcrContainerImage");
            String account = image.path("registry").isTextual() ? accountOf(image.path("registry").asText(), type)
                    : account(root, type);
            String region = resource.path("region").isTextual() ? regionOf(resource.path("region").asText(), type)
                    : region(root, type);
            return new ParsedMessage.Event(new RegistryEvent(id(root), RegistryEvent.Kind.INSPECTOR_FINDING,
                    time(root, type), account, region, repository(text(image, "repositoryName", type), type),
                    List.of(digest(text(image, "imageHash", type), type)), tags(image.path("imageTags"))));
        }
        return new ParsedMessage.Ignored(type, "the finding is not about an ECR container image");
    }

    private static ParsedMessage inspectorScan(JsonNode root, JsonNode detail) {
        String type = RegistryEvent.Kind.INSPECTOR_SCAN.label();
        Optional<String> repositoryField = optionalText(detail, "repository-name");
        if (repositoryField.isEmpty() || detail.path("image-digest").isMissingNode()) {
            return new ParsedMessage.Ignored(type, "the scan is not of an ECR container image");
        }
        String account = account(root, type);
        String region = region(root, type);
        String repository = repositoryField.get();
        Matcher arn = REPOSITORY_ARN.matcher(repository);
        if (arn.matches()) {
            region = regionOf(arn.group(1), type);
            account = accountOf(arn.group(2), type);
            repository = arn.group(3);
        }
        return new ParsedMessage.Event(new RegistryEvent(id(root), RegistryEvent.Kind.INSPECTOR_SCAN,
                time(root, type), account, region, repository(repository, type),
                List.of(digest(text(detail, "image-digest", type), type)), tags(detail.path("image-tags"))));
    }

    private static String id(JsonNode root) {
        return root.path("id").asText("");
    }

    private static Instant time(JsonNode root, String type) {
        String text = root.path("time").asText("");
        try {
            return Instant.parse(text);
        } catch (DateTimeException e) {
            throw new BadEvent(type, "the event's time \"" + clip(text) + "\" is not an RFC 3339 time");
        }
    }

    private static String account(JsonNode root, String type) {
        return accountOf(root.path("account").asText(""), type);
    }

    private static String accountOf(String text, String type) {
        if (!EcrRegistry.isAccount(text)) {
            throw new BadEvent(type, "\"" + clip(text) + "\" is not an AWS account id (12 digits)");
        }
        return text;
    }

    private static String region(JsonNode root, String type) {
        return regionOf(root.path("region").asText(""), type);
    }

    private static String regionOf(String text, String type) {
        if (!EcrRegistry.isRegion(text)) {
            throw new BadEvent(type, "\"" + clip(text) + "\" is not an AWS region");
        }
        return text;
    }

    private static String repository(String text, String type) {
        if (text.length() < 2 || text.length() > 256 || !REPOSITORY.matcher(text).matches()) {
            throw new BadEvent(type, "\"" + clip(text) + "\" is not an ECR repository name");
        }
        return text;
    }

    private static String digest(String text, String type) {
        if (!DIGEST.matcher(text).matches()) {
            throw new BadEvent(type, "\"" + clip(text) + "\" is not an image digest (sha256:<64 hex>)");
        }
        return text;
    }

    private static String text(JsonNode node, String field, String type) {
        return optionalText(node, field).orElseThrow(() -> new BadEvent(type, "the event has no " + field));
    }

    private static Optional<String> optionalText(JsonNode node, String field) {
        JsonNode value = node.path(field);
        return value.isTextual() && !value.asText().isEmpty() ? Optional.of(value.asText()) : Optional.empty();
    }

    private static List<String> tags(JsonNode array) {
        List<String> out = new ArrayList<>();
        for (JsonNode tag : array) {
            if (tag.isTextual() && !tag.asText().isEmpty() && tag.asText().length() <= 300) {
                out.add(tag.asText());
            }
        }
        return out;
    }

    private static String clip(String text) {
        String printable = text.replaceAll("\\p{Cntrl}", "?");
        return printable.length() > 80 ? printable.substring(0, 80) + "…" : printable;
    }

    private static final class BadEvent extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final String type;

        BadEvent(String type, String message) {
            super(message, null, false, false);
            this.type = type;
        }
    }
}
