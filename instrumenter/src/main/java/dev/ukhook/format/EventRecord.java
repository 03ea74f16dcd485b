package dev.ukhook.format;

/**
 * A filter event (kind 4, docs/policy.md): a phase switch (by the program's mark or by a rule of the policy), or a
 * policy put in force or refused. {@code policy} is the checksum of the policy in force after the event.
 */
public record EventRecord(long seq, long t, long policy, int event, int from, int to, int reason, long cause,
    long refused) {
  public String eventName() {
    return PolicyLayout.EVENTS.stream().filter(v -> v.value() == event).map(TraceLayout.Value::name).findFirst()
        .orElse("event " + event);
  }

  public boolean phaseSwitch() {
    return event == PolicyLayout.EVENT_MARK || event == PolicyLayout.EVENT_RULE;
  }
}
