package dev.ukhook.cli;

import java.util.Arrays;
import java.util.Iterator;
import java.util.Locale;

/** An enum option's completion candidates as users type them: lower case. */
abstract class LowerCaseNames<E extends Enum<E>> implements Iterable<String> {
  private final Class<E> type;

  LowerCaseNames(Class<E> type) {
    this.type = type;
  }

  @Override
  public Iterator<String> iterator() {
    return Arrays.stream(type.getEnumConstants()).map(e -> e.name().toLowerCase(Locale.ROOT)).iterator();
  }
}
