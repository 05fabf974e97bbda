package dev.ecrgate.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ecrgate.certs.CaSpec;
import dev.ecrgate.certs.CertificateAuthority;
import dev.ecrgate.certs.KeyStores;
import dev.ecrgate.certs.ServerCertificateSpec;
import dev.ecrgate.certs.TlsMaterial;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import java.security.KeyStore;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;

class ServerTlsTest {
    static final Instant NOW = Instant.now();
    static final CertificateAuthority CA = CertificateAuthority.generate(CaSpec.defaults(), NOW);
    static final TlsMaterial SERVER = CA.issue(ServerCertificateSpec.forNames("ecrgate.ecrgate.svc"), NOW);

    @Test
    void inMemoryKeyStoresOnlySetsOneRoundUnlessTheOperatorChose() {
        String before = System.getProperty(ServerTls.PKCS12_KEY_PBE_ITERATION_COUNT);
        try {
            System.clearProperty(ServerTls.PKCS12_KEY_PBE_ITERATION_COUNT);
            assertTrue(ServerTls.inMemoryKeyStoresOnly());
            assertEquals("1", System.getProperty(ServerTls.PKCS12_KEY_PBE_ITERATION_COUNT));

            System.setProperty(ServerTls.PKCS12_KEY_PBE_ITERATION_COUNT, "50000");
            assertFalse(ServerTls.inMemoryKeyStoresOnly());
            assertEquals("50000", System.getProperty(ServerTls.PKCS12_KEY_PBE_ITERATION_COUNT));
        } finally {
            if (before == null) {
                System.clearProperty(ServerTls.PKCS12_KEY_PBE_ITERATION_COUNT);
            } else {
                System.setProperty(ServerTls.PKCS12_KEY_PBE_ITERATION_COUNT, before);
            }
        }
    }

    @Test
    void serverContextCarriesTheConfiguredSuitesAndClientAuthentication() throws Exception {
        KeyStore keys = KeyStores.toKeyStore(SERVER, "k".toCharArray());
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, "k".toCharArray());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(KeyStores.trustStore(CA.certificate()));
        List<String> suites = List.of("TLS_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");

        SslContext context = new ServerSslEngine.Factory().forClient(false).keyMananagerFactory(kmf)
                .trustManagerFactory(tmf).enabledCipherSuites(new LinkedHashSet<>(suites))
                .clientAuth(ClientAuth.REQUIRE).useAlpn(false).create();

        assertTrue(context.isServer());
        assertEquals(suites, context.cipherSuites());
        SSLEngine engine = context.newEngine(ByteBufAllocator.DEFAULT);
        assertFalse(engine.getUseClientMode());
        assertTrue(engine.getNeedClientAuth());
        assertArrayEquals(suites.toArray(), engine.getEnabledCipherSuites());
    }

    @Test
    void withoutClientCasTheServerAsksForNoCertificate() throws Exception {
        KeyStore keys = KeyStores.toKeyStore(SERVER, "k".toCharArray());
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, "k".toCharArray());

        SslContext context = new ServerSslEngine.Factory().forClient(false).keyMananagerFactory(kmf).create();

        SSLEngine engine = context.newEngine(ByteBufAllocator.DEFAULT);
        assertFalse(engine.getNeedClientAuth());
        assertFalse(engine.getWantClientAuth());
    }

    @Test
    void copyIsTheSameEngine() {
        assertTrue(new ServerSslEngine().copy() instanceof ServerSslEngine);
    }
}
