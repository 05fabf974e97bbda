package dev.ecrgate.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/**
 * The CRDs in deploy/ (and their copies in the Helm chart) are what {@link PolicyCrds} generates from the JSON
 * Schemas in policies/: one description of the format. With {@code -Decrgate.writeCrds=true} it writes them.
 */
class CrdSchemaTest {
    @Test
    void theCrdsAreGeneratedFromThePolicySchemas() throws Exception {
        if (Boolean.getBoolean("ecrgate.writeCrds")) {
            PolicyCrds.main(new String[0]);
            Files.copy(PolicyCrds.POLICY_CRD, PolicyCrds.ROOT.resolve("deploy/helm/ecrgate/crds/crd-imagepolicy.yaml"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Files.copy(PolicyCrds.EXCEPTION_CRD,
                    PolicyCrds.ROOT.resolve("deploy/helm/ecrgate/crds/crd-imageexception.yaml"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        assertEquals(PolicyCrds.policyCrd(), Files.readString(PolicyCrds.POLICY_CRD), "regenerate: see the file's"
                + " header");
        assertEquals(PolicyCrds.exceptionCrd(), Files.readString(PolicyCrds.EXCEPTION_CRD));
        assertEquals(Files.readString(PolicyCrds.POLICY_CRD), Files.readString(PolicyCrds.ROOT.resolve(
                "deploy/helm/ecrgate/crds/crd-imagepolicy.yaml")), "the chart's copy");
        assertEquals(Files.readString(PolicyCrds.EXCEPTION_CRD), Files.readString(PolicyCrds.ROOT.resolve(
                "deploy/helm/ecrgate/crds/crd-imageexception.yaml")), "the chart's copy");
    }
}
