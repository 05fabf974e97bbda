package dev.ecrgate.admission;

/** The container lists of a pod spec; every one of them runs images. */
public enum ContainerKind {
    CONTAINER("containers"), INIT_CONTAINER("initContainers"), EPHEMERAL_CONTAINER("ephemeralContainers");

    private final String field;

    ContainerKind(String field) {
        this.field = field;
    }

    /** The pod spec field that holds this list, for example {@code initContainers}. */
    public String field() {
        return field;
    }
}
