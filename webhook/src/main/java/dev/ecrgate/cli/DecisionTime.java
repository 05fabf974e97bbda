package dev.ecrgate.cli;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Optional;

/**
 * The time {@code check} and {@code explain} decide at: now, or the time {@code --now} names. Deciding as of another
 * time shows what an expiry date or {@code maxScanAge} will do before the day comes, and pins what recorded findings
 * (a snapshot of one day) are judged against, so a CI job or an example gives the same answer every day.
 */
final class DecisionTime {
    /** The help text of {@code --now}, the same for every command that has it. */
    static final String HELP = "Decide as of this time instead of now: a date (2027-01-31, at 00:00 UTC) or an"
            + " ISO-8601 time (2027-01-31T12:00:00Z). Shows what expiry dates and maxScanAge will do, and pins the"
            + " age of recorded scans.";

    private DecisionTime() {
    }

    /** The instant {@code text} names, or {@code now} when it is absent or blank. */
    static Instant parse(Optional<String> text, Instant now) {
        if (text.isEmpty() || text.get().isBlank()) {
            return now;
        }
        String t = text.get().strip();
        try {
            if (t.length() == 10) {
                return LocalDate.parse(t).atStartOfDay(ZoneOffset.UTC).toInstant();
            }
            return OffsetDateTime.parse(t).toInstant();
        } catch (DateTimeException e) {
            throw new IllegalArgumentException("invalid --now \"" + t + "\": expected a date such as 2027-01-31 or a"
                    + " time such as 2027-01-31T12:00:00Z");
        }
    }
}
