package dev.ecrgate.server;

/** Process-wide defaults that {@code ecrgate serve} sets before the libraries that read them load. */
final class SystemProperties {
    private SystemProperties() {
    }

    /** Sets {@code key} to {@code value} unless it is already set; returns whether it was set here. */
    static boolean setUnlessSet(String key, String value) {
        if (System.getProperty(key) != null) {
            return false;
        }
        System.setProperty(key, value);
        return true;
    }
}
