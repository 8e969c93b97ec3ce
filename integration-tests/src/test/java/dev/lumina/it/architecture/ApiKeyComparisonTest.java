package dev.lumina.it.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaMethodCall;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import dev.lumina.gateway.ApiKeys;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A presented API key is checked in constant time: the lookup compares hashes with {@link
 * MessageDigest#isEqual}, never with an equals that returns at the first differing byte.
 */
class ApiKeyComparisonTest {

  @Test
  void theKeyLookupComparesHashesWithMessageDigestIsEqualOnly() {
    JavaClass keys = new ClassFileImporter().importClasses(ApiKeys.class).get(ApiKeys.class);
    Set<JavaMethodCall> calls = keys.getMethod("tenantOf", String.class).getMethodCallsFromSelf();
    assertThat(calls)
        .anySatisfy(
            c -> {
              assertThat(c.getTargetOwner().isEquivalentTo(MessageDigest.class)).isTrue();
              assertThat(c.getName()).isEqualTo("isEqual");
            });
    assertThat(calls)
        .noneSatisfy(
            c -> {
              assertThat(c.getName()).isEqualTo("equals");
              assertThat(
                      c.getTargetOwner().isEquivalentTo(Arrays.class)
                          || c.getTargetOwner().isEquivalentTo(String.class)
                          || c.getTargetOwner().isEquivalentTo(Object.class))
                  .isTrue();
            });
  }
}
