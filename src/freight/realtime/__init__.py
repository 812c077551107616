"""Real-time delivery over socket.io; the only package that imports socketio."""
