package dev.ecrgate.server;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.IdentityCipherSuiteFilter;
import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslProvider;
import io.vertx.core.net.JdkSSLEngineOptions;
import io.vertx.core.spi.tls.DefaultSslContextFactory;
import io.vertx.core.spi.tls.SslContextFactory;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.List;
import java.util.Set;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;

/**
 * Vert.x's JDK TLS engine, except that a server's {@link SSLContext} is made here from the key and trust managers
 * Vert.x hands over, then wrapped in Netty's {@link JdkSslContext}, instead of by Netty's {@code SslContextBuilder}.
 * The builder makes a {@code JdkSslServerContext}, whose class initialiser probes the JDK once per process: it
 * instantiates the BouncyCastle provider (on our class path for the {@code certs} module), parses an RSA key with
 * it, puts that into a PKCS#12 store and initialises a second SSL context — about 0.15 s of one core, paid on the
 * first connection, which is kubelet's first readiness probe. The probe decides whether Netty wraps trust managers
 * to improve a <em>client's</em> certificate error messages; a server gains nothing from it. Everything else is the
 * same: the same JDK provider and engine, the cipher suites, protocols and client authentication Vert.x configures,
 * the JDK's default trust when no client CA is given. Client contexts (none in this server) are left to Vert.x.
 */
final class ServerSslEngine extends JdkSSLEngineOptions {
    ServerSslEngine() {
    }

    private ServerSslEngine(ServerSslEngine that) {
        super(that);
    }

    @Override
    public ServerSslEngine copy() {
        return new ServerSslEngine(this);
    }

    @Override
    public SslContextFactory sslContextFactory() {
        return new Factory();
    }

    /** Collects what Vert.x configures, then makes the context. */
    static final class Factory implements SslContextFactory {
        private boolean useAlpn;
        private ClientAuth clientAuth;
        private boolean forClient;
        private KeyManagerFactory kmf;
        private TrustManagerFactory tmf;
        private Set<String> cipherSuites;
        private List<String> applicationProtocols;

        @Override
        public SslContextFactory useAlpn(boolean useAlpn) {
            this.useAlpn = useAlpn;
            return this;
        }

        @Override
        public SslContextFactory clientAuth(ClientAuth clientAuth) {
            this.clientAuth = clientAuth;
            return this;
        }

        @Override
        public SslContextFactory forClient(boolean forClient) {
            this.forClient = forClient;
            return this;
        }

        @Override
        public SslContextFactory keyMananagerFactory(KeyManagerFactory kmf) {
            this.kmf = kmf;
            return this;
        }

        @Override
        public SslContextFactory trustManagerFactory(TrustManagerFactory tmf) {
            this.tmf = tmf;
            return this;
        }

        @Override
        public SslContextFactory enabledCipherSuites(Set<String> enabledCipherSuites) {
            this.cipherSuites = enabledCipherSuites;
            return this;
        }

        @Override
        public SslContextFactory applicationProtocols(List<String> applicationProtocols) {
            this.applicationProtocols = applicationProtocols;
            return this;
        }

        @Override
        public SslContext create() throws SSLException {
            if (forClient || kmf == null) {
                return new DefaultSslContextFactory(SslProvider.JDK, false).useAlpn(useAlpn).clientAuth(clientAuth)
                        .forClient(forClient).keyMananagerFactory(kmf).trustManagerFactory(tmf)
                        .enabledCipherSuites(cipherSuites).applicationProtocols(applicationProtocols).create();
            }
            SSLContext context;
            try {
                TrustManagerFactory trust = tmf;
                if (trust == null) {
                    // as SSLContext.init(keyManagers, null, null) and Netty's builder do: the JDK's default trust
                    trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                    trust.init((KeyStore) null);
                }
                context = SSLContext.getInstance("TLS");
                context.init(kmf.getKeyManagers(), trust.getTrustManagers(), null);
            } catch (GeneralSecurityException e) {
                throw new SSLException("cannot initialise the server's TLS context: " + e.getMessage(), e);
            }
            ApplicationProtocolConfig alpn = null;
            if (useAlpn && applicationProtocols != null && !applicationProtocols.isEmpty()) {
                alpn = new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.FATAL_ALERT,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.FATAL_ALERT, applicationProtocols);
            }
            return new JdkSslContext(context, false, cipherSuites == null || cipherSuites.isEmpty() ? null
                    : cipherSuites, IdentityCipherSuiteFilter.INSTANCE, alpn,
                    clientAuth == null ? ClientAuth.NONE : clientAuth, null, false);
        }
    }
}
