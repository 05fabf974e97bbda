package dev.ecrgate.findings;

/** Whether a fix exists for a finding: enhanced findings say YES, PARTIAL or NO; basic findings carry no fix data. */
public enum FixAvailable {
    YES, PARTIAL, NO, UNKNOWN;

    /** Whether a policy with {@code onlyFixable: true} counts the finding: basic findings (UNKNOWN) always count. */
    public boolean countsAsFixable() {
        return this != NO;
    }
}
