from stem.cli import main

main()
