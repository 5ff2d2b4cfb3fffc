# Helpers for the tmux stories (sourced): poll the screen, never sleep a fixed time.
# Needs: $session (the tmux session name).

step=0
screen() { tmux capture-pane -p -t "$session"; }

# wait_for TEXT [SECONDS]: polls the screen every 50 ms until TEXT shows; prints the screen and fails after.
wait_for() {
  local text=$1 limit=${2:-20} start=$SECONDS
  step=$((step + 1))
  while ! screen | grep -qF -- "$text"; do
    if [ $((SECONDS - start)) -ge "$limit" ]; then
      echo "story: step $step: \"$text\" did not appear within ${limit}s; the screen was:" >&2
      screen >&2
      exit 1
    fi
    sleep 0.05
  done
  echo "ok $step - $text"
}

# wait_gone TEXT [SECONDS]: polls until TEXT is no longer on the screen.
wait_gone() {
  local text=$1 limit=${2:-20} start=$SECONDS
  step=$((step + 1))
  while screen | grep -qF -- "$text"; do
    if [ $((SECONDS - start)) -ge "$limit" ]; then
      echo "story: step $step: \"$text\" is still on the screen after ${limit}s:" >&2
      screen >&2
      exit 1
    fi
    sleep 0.05
  done
  echo "ok $step - gone: $text"
}

# wait_file FILE [SECONDS]: polls until FILE exists and is not empty.
wait_file() {
  local file=$1 limit=${2:-20} start=$SECONDS
  while [ ! -s "$file" ]; do
    if [ $((SECONDS - start)) -ge "$limit" ]; then
      echo "story: $file did not appear within ${limit}s; the screen was:" >&2
      screen >&2
      exit 1
    fi
    sleep 0.05
  done
}

pass() { step=$((step + 1)); echo "ok $step - $1"; }
keys() { tmux send-keys -t "$session" "$@"; }
type_text() { tmux send-keys -t "$session" -l "$1"; }
