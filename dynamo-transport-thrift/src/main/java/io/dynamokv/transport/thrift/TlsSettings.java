/*
 * Copyright 2026 the dynamo-kv authors. Licensed under the Apache License, Version 2.0.
 */
package io.dynamokv.transport.thrift;

import io.dynamokv.core.DynamoException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.UnrecoverableKeyException;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Where one side of a TLS connection finds its keys and whom it trusts, as key store files.
 *
 * <p>A server needs a {@link #keyStore()} (its certificate and private key); with a {@link
 * #trustStore()} it also requires every client to present a certificate that store trusts (mutual
 * TLS). A client needs a trust store (the certificates, usually of a CA, it accepts from servers);
 * with a key store it presents its own certificate. {@link #load()} reads the files and reports
 * what is wrong with them as a {@link InvalidException} naming the {@link Part}.
 *
 * @param keyStore the certificate and key this side presents, or null
 * @param trustStore the certificates this side accepts from the other side, or null
 * @param protocols the TLS versions offered, e.g. {@code TLSv1.3}, {@code TLSv1.2}
 */
public record TlsSettings(Store keyStore, Store trustStore, List<String> protocols) {
  /** TLS 1.3 and 1.2: the versions a current JDK enables, without the deprecated ones. */
  public static final List<String> DEFAULT_PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

  public TlsSettings {
    protocols = List.copyOf(protocols);
    if (protocols.isEmpty()) {
      throw new IllegalArgumentException("at least one TLS protocol is needed");
    }
    if (keyStore == null && trustStore == null) {
      throw new IllegalArgumentException("a key store or a trust store is needed");
    }
  }

  /** A server presenting {@code keyStore}; clients must present a certificate when trustStore. */
  public static TlsSettings server(Store keyStore, Store trustStoreOrNull) {
    return new TlsSettings(
        Objects.requireNonNull(keyStore, "keyStore"), trustStoreOrNull, DEFAULT_PROTOCOLS);
  }

  /** A client trusting servers by {@code trustStore}, presenting keyStore when not null. */
  public static TlsSettings client(Store trustStore, Store keyStoreOrNull) {
    return new TlsSettings(
        keyStoreOrNull, Objects.requireNonNull(trustStore, "trustStore"), DEFAULT_PROTOCOLS);
  }

  /** The same settings offering {@code versions} instead. */
  public TlsSettings withProtocols(List<String> versions) {
    return new TlsSettings(keyStore, trustStore, versions);
  }

  /**
   * Reads the stores.
   *
   * @throws InvalidException naming the store (or its password) that is missing, unreadable, of
   *     another type, or locked with another password, and the protocols no provider supports
   */
  public TlsContext load() {
    KeyManagerFactory keys = keyStore == null ? null : keyManagers(keyStore);
    TrustManagerFactory trust = trustStore == null ? null : trustManagers(trustStore);
    SSLContext context;
    try {
      context = SSLContext.getInstance("TLS");
      context.init(
          keys == null ? null : keys.getKeyManagers(),
          trust == null ? null : trust.getTrustManagers(),
          null);
    } catch (GeneralSecurityException e) {
      throw new InvalidException(Part.PROTOCOLS, "cannot set up TLS: " + e.getMessage(), e);
    }
    List<String> supported = Arrays.asList(context.getSupportedSSLParameters().getProtocols());
    for (String p : protocols) {
      if (!supported.contains(p)) {
        throw new InvalidException(
            Part.PROTOCOLS,
            "unsupported TLS protocol " + p + "; this JVM offers " + supported,
            null);
      }
    }
    return new TlsContext(context, protocols, trustStore != null);
  }

  private static KeyManagerFactory keyManagers(Store store) {
    KeyStore ks = read(store, Part.KEY_STORE, Part.KEY_STORE_PASSWORD);
    try {
      if (!hasKey(ks)) {
        throw new InvalidException(
            Part.KEY_STORE,
            "key store " + store.path() + " holds no private key (is it a trust store?)",
            null);
      }
      KeyManagerFactory f = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      f.init(ks, chars(store.password()));
      return f;
    } catch (UnrecoverableKeyException e) {
      throw new InvalidException(
          Part.KEY_STORE_PASSWORD,
          "the private key in "
              + store.path()
              + (store.password() == null
                  ? " cannot be unlocked without a password (none was given)"
                  : " cannot be unlocked with the key store password (keys must use the store's"
                      + " password)"),
          e);
    } catch (GeneralSecurityException e) {
      throw new InvalidException(
          Part.KEY_STORE, "cannot use key store " + store.path() + ": " + e.getMessage(), e);
    }
  }

  private static TrustManagerFactory trustManagers(Store store) {
    KeyStore ks = read(store, Part.TRUST_STORE, Part.TRUST_STORE_PASSWORD);
    try {
      if (Collections.list(ks.aliases()).stream().noneMatch(a -> isCertificate(ks, a))) {
        throw new InvalidException(
            Part.TRUST_STORE, "trust store " + store.path() + " holds no certificate", null);
      }
      TrustManagerFactory f =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      f.init(ks);
      return f;
    } catch (GeneralSecurityException e) {
      throw new InvalidException(
          Part.TRUST_STORE, "cannot use trust store " + store.path() + ": " + e.getMessage(), e);
    }
  }

  private static KeyStore read(Store store, Part file, Part password) {
    String what = (file == Part.KEY_STORE ? "key store " : "trust store ") + store.path();
    KeyStore ks;
    try {
      ks = KeyStore.getInstance(store.type());
    } catch (KeyStoreException e) {
      throw new InvalidException(
          file, "unknown key store type " + store.type() + " for " + what + " (PKCS12 or JKS)", e);
    }
    try (InputStream in = Files.newInputStream(store.path())) {
      ks.load(in, chars(store.password()));
      return ks;
    } catch (NoSuchFileException e) {
      throw new InvalidException(file, what + " does not exist", e);
    } catch (AccessDeniedException e) {
      throw new InvalidException(file, what + " is not readable by this process", e);
    } catch (IOException e) {
      if (e.getCause() instanceof UnrecoverableKeyException
          || String.valueOf(e.getMessage()).contains("password")) {
        throw new InvalidException(
            password,
            "wrong password for "
                + what
                + (store.password() == null ? " (no password was given)" : ""),
            e);
      }
      throw new InvalidException(
          file,
          "cannot read " + what + " as a " + store.type() + " key store: " + e.getMessage(),
          e);
    } catch (GeneralSecurityException e) {
      throw new InvalidException(file, "cannot read " + what + ": " + e.getMessage(), e);
    }
  }

  private static boolean hasKey(KeyStore ks) throws KeyStoreException {
    for (String alias : Collections.list(ks.aliases())) {
      if (ks.isKeyEntry(alias)) {
        return true;
      }
    }
    return false;
  }

  private static boolean isCertificate(KeyStore ks, String alias) {
    try {
      return ks.getCertificate(alias) != null;
    } catch (KeyStoreException e) {
      return false;
    }
  }

  private static char[] chars(String password) {
    return password == null ? null : password.toCharArray();
  }

  /**
   * One key store file.
   *
   * @param path the file
   * @param password its password (also the password of the keys in it), or null for none
   * @param type {@code PKCS12} (the JDK's default) or {@code JKS}
   */
  public record Store(Path path, String password, String type) {
    public static final String DEFAULT_TYPE = "PKCS12";

    public Store {
      Objects.requireNonNull(path, "path");
      Objects.requireNonNull(type, "type");
    }

    /** A PKCS12 store. */
    public static Store pkcs12(Path path, String password) {
      return new Store(path, password, DEFAULT_TYPE);
    }

    /** Never shows the password. */
    @Override
    public String toString() {
      return "Store[path="
          + path
          + ", password="
          + (password == null ? "none" : "***")
          + ", type="
          + type
          + "]";
    }
  }

  /** What of the settings is wrong. */
  public enum Part {
    KEY_STORE,
    KEY_STORE_PASSWORD,
    TRUST_STORE,
    TRUST_STORE_PASSWORD,
    PROTOCOLS
  }

  /** A store cannot be used; {@link #part()} says which setting to change. */
  public static final class InvalidException extends DynamoException {
    private static final long serialVersionUID = 1L;
    private final Part part;

    InvalidException(Part part, String message, Throwable cause) {
      super(message, cause);
      this.part = part;
    }

    public Part part() {
      return part;
    }
  }
}
