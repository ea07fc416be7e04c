print("mizan-testserver")
