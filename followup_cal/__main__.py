from followup_cal.cli import main

main()
