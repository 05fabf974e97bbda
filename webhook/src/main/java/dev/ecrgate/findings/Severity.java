package dev.ecrgate.findings;

import java.util.Locale;

/**
 * Severity of a finding, as ECR reports it for basic and enhanced (Inspector) scans, ordered from least to most
 * severe. ECR's severity keys are open-ended strings: {@link #parse(String)} reads anything it does not know as
 * {@link #UNDEFINED} rather than failing.
 */
public enum Severity {
    INFORMATIONAL, UNDEFINED, UNTRIAGED, LOW, MEDIUM, HIGH, CRITICAL;

    /** The severity named by {@code text} (case-insensitive); unknown or blank text is {@link #UNDEFINED}. */
    public static Severity parse(String text) {
        if (text == null) {
            return UNDEFINED;
        }
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return UNDEFINED;
        }
    }

    /** Whether {@code text} names one of these severities exactly (as policy files must). */
    public static boolean isName(String text) {
        for (Severity s : values()) {
            if (s.name().equals(text)) {
                return true;
            }
        }
        return false;
    }
}
