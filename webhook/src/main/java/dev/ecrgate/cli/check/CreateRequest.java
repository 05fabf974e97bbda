package dev.ecrgate.cli.check;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionRequest;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * The AdmissionRequest kube-apiserver would send the webhook for {@code kubectl create -f} of one manifest: operation
 * CREATE, the object's group, version and kind, its name, the namespace it lands in (also set in the object's
 * metadata, as the API server does before admission), decoded by the webhook's own mapper so that the object becomes
 * the same typed fabric8 resource ({@code apps/v1 Deployment} a {@code Deployment}).
 */
public final class CreateRequest {
    private CreateRequest() {
    }

    /**
     * @throws IllegalArgumentException when the object cannot be read as its kind (a field of the wrong type); the
     *                                  message is one line
     */
    public static AdmissionRequest of(Manifest manifest, String namespace, ObjectMapper mapper) {
        String apiVersion = manifest.apiVersion();
        int slash = apiVersion.indexOf('/');
        ObjectNode object = manifest.object().deepCopy();
        ObjectNode meta = object.get("metadata") instanceof ObjectNode m ? m : object.putObject("metadata");
        meta.put("namespace", namespace);

        ObjectNode request = mapper.createObjectNode();
        request.put("uid", UUID.nameUUIDFromBytes(manifest.where().getBytes(StandardCharsets.UTF_8)).toString());
        ObjectNode kind = request.putObject("kind");
        kind.put("group", slash < 0 ? "" : apiVersion.substring(0, slash));
        kind.put("version", slash < 0 ? apiVersion : apiVersion.substring(slash + 1));
        kind.put("kind", manifest.kind());
        request.set("requestKind", kind.deepCopy());
        request.put("namespace", namespace);
        request.put("name", manifest.name());
        request.put("operation", "CREATE");
        request.put("dryRun", false);
        request.set("object", object);
        try {
            return mapper.treeToValue(request, AdmissionRequest.class);
        } catch (JsonProcessingException | RuntimeException e) {
            String message = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
            throw new IllegalArgumentException("cannot read it as a " + manifest.kind() + ": "
                    + String.valueOf(message).lines().findFirst().orElse("").strip(), e);
        }
    }
}
