# Playbook titles and task titles. The YAML files in content/playbooks keep
# the English source; these ids are playbook-<playbook>[-<task>], with '_'
# written as '-'. A test checks every bundled task has an entry in en and fr.

playbook-account-compromise = Compromised or misused account
playbook-account-compromise-triage = Review the account's recent logins, group changes and hosts used
playbook-account-compromise-disable-account = Disable the account and revoke its sessions and tokens
playbook-account-compromise-revert-changes = Revert group memberships and accounts it created
playbook-account-compromise-hunt = Hunt for persistence on the hosts it logged into

playbook-bms-tampering = Tampering with the building management system
playbook-bms-tampering-triage = Identify the points changed, by which account and from where
playbook-bms-tampering-check-conditions = Check actual conditions in the affected rooms (temperature, pressure, air changes)
playbook-bms-tampering-clinical-check = Check affected theatres, isolation rooms and pharmacy storage for patient risk
playbook-bms-tampering-disconnect-bms = Disconnect the BMS from the IT network and remote access
playbook-bms-tampering-manual-mode = Switch the affected plant to local manual control
playbook-bms-tampering-restore-setpoints = Restore the approved setpoints and verify them on site
playbook-bms-tampering-rotate-credentials = Rotate BMS and vendor remote-access credentials

playbook-data-exfiltration = Data exfiltration
playbook-data-exfiltration-triage = Identify the source host, the destination and the volume transferred
playbook-data-exfiltration-block-destination = Block the destination at the firewall and proxy
playbook-data-exfiltration-block-external-links = Suspend the external data links of the affected system (teleradiology, lab exchanges)
playbook-data-exfiltration-scope-data = Establish which data and how many people are concerned
playbook-data-exfiltration-gdpr-assessment = Assess the breach under GDPR and decide on notification
playbook-data-exfiltration-preserve-evidence = Preserve flow records, proxy logs and the source host image
playbook-data-exfiltration-inform-patients = Prepare the communication to the people concerned if the risk is high

playbook-ddos = Denial of service on the patient portal or other public services
playbook-ddos-triage = Confirm the attack and identify the targeted services
playbook-ddos-activate-mitigation = Activate the upstream DDoS mitigation service
playbook-ddos-protect-internal = Check that internal clinical traffic is not affected and prioritise it
playbook-ddos-inform-public = Publish an alternative way to reach the hospital (phone lines, website banner)
playbook-ddos-look-for-cover = Look for intrusion attempts that the flood could be covering

playbook-environmental-excursion = Temperature or humidity out of range in a clinical area or cold store
playbook-environmental-excursion-confirm-reading = Confirm the reading with a second sensor or a hand-held thermometer
playbook-environmental-excursion-check-bms = Check the BMS for set-point changes, alarms or manual overrides on the plant serving the area
playbook-environmental-excursion-clinical-assessment = Decide whether procedures in the area continue, pause or move
playbook-environmental-excursion-move-stock = Move affected medicines or blood products to a back-up cold store and quarantine them
playbook-environmental-excursion-restore-conditions = Restore the plant to its approved settings and verify the area recovers
playbook-environmental-excursion-record-excursion = Record the excursion, its length and the decisions taken for the quality file

playbook-fire = Fire or smoke in the hospital
playbook-fire-call-fire-service = Confirm the fire service has been called
playbook-fire-dispatch-guard = Send a security guard to the alarm point to confirm
playbook-fire-activate-plan = Activate the hospital fire plan and the crisis cell
playbook-fire-horizontal-evacuation = Move patients horizontally beyond the fire doors
playbook-fire-evacuate-critical = Evacuate ventilated and critical-care patients
playbook-fire-isolate-gases = Isolate medical gases and ventilation for the affected zone
playbook-fire-guide-firefighters = Meet the fire service and guide them to the zone

playbook-flood = Water ingress or flood
playbook-flood-dispatch-guard = Send security or estates staff to confirm the leak and its source
playbook-flood-isolate-water = Close the water supply to the affected zone
playbook-flood-protect-equipment = Power down and protect electrical and IT equipment at risk
playbook-flood-clinical-impact = Check which wards and theatres lose services and move patients if needed
playbook-flood-activate-plan = Activate the crisis cell if clinical services are affected
playbook-flood-dry-and-inspect = Dry the area and inspect cabling, switchgear and ceilings before re-energising

playbook-forced-entry = Door forced or held open in a restricted area
playbook-forced-entry-dispatch-guard = Send a security guard to the door
playbook-forced-entry-review-cameras = Review live and recorded video around the door
playbook-forced-entry-secure-area = Secure the area and check whether anything or anyone is missing
playbook-forced-entry-check-patients = Check the safety of patients and staff in the area
playbook-forced-entry-call-police = Call the police if an intruder is present or property is missing
playbook-forced-entry-preserve-footage = Export and preserve the video and access-control logs
playbook-forced-entry-repair-door = Have the door and its contact repaired and tested

playbook-medical-device-tampering = Tampering with a medical device or its network
playbook-medical-device-tampering-triage = Identify the devices, the changes made and the network peers involved
playbook-medical-device-tampering-check-patients = Check the patients connected to the affected devices
playbook-medical-device-tampering-swap-devices = Replace affected devices at the bedside with verified spares
playbook-medical-device-tampering-quarantine-devices = Take the affected devices off the network for biomedical engineering
playbook-medical-device-tampering-verify-configuration = Verify firmware, drug library and configuration against the approved baseline
playbook-medical-device-tampering-notify-manufacturer = Notify the manufacturer and, where required, the competent authority for device vigilance

playbook-pharmacy-theft = Theft or diversion from the pharmacy or a drug cabinet
playbook-pharmacy-theft-dispatch-guard = Send a security guard to the pharmacy or cabinet
playbook-pharmacy-theft-correlate-access = Correlate badge, cabinet and camera records for the time window
playbook-pharmacy-theft-stock-check = Count the controlled drugs and compare with the dispensing records
playbook-pharmacy-theft-replacement-supply = Arrange replacement supply for any medicine now short
playbook-pharmacy-theft-suspend-badges = Suspend the badges involved pending review
playbook-pharmacy-theft-report-authorities = Report the loss of controlled drugs to the police and the health authority

playbook-phishing = Phishing e-mail clicked or credentials entered
playbook-phishing-triage = Identify the message, its sender, links and attachments
playbook-phishing-find-recipients = Find every recipient and every click in the mail and proxy logs
playbook-phishing-block-lure = Block the sender, the URLs and the attachment hashes
playbook-phishing-purge-mailboxes = Remove the message from all mailboxes
playbook-phishing-reset-credentials = Reset the password and revoke the sessions of every account that clicked
playbook-phishing-scan-hosts = Scan the workstations that opened the lure for malware
playbook-phishing-warn-staff = Warn staff about the campaign

playbook-power-loss = Loss of mains power
playbook-power-loss-check-transfer = Check that generators started and critical circuits transferred
playbook-power-loss-check-life-support = Check ventilators, monitors and pumps in critical care and theatres
playbook-power-loss-activate-plan = Activate the power-loss plan and the crisis cell
playbook-power-loss-load-shedding = Shed non-critical loads to protect generator capacity
playbook-power-loss-fuel-check = Check generator fuel and order a delivery
playbook-power-loss-suspend-elective = Suspend elective procedures if the outage will last
playbook-power-loss-check-tampering = Check BMS and switchgear logs for signs of tampering

playbook-ransomware = Ransomware on hospital systems
playbook-ransomware-triage = Confirm the encryption activity and list the affected hosts
playbook-ransomware-convene-crisis-cell = Convene the crisis cell and open the incident log
playbook-ransomware-isolate-hosts = Isolate the affected hosts from the network
playbook-ransomware-isolate-segment = Isolate the network segment(s) carrying the affected hosts
playbook-ransomware-downtime-procedures = Switch affected wards to paper downtime procedures
playbook-ransomware-disable-accounts = Disable the accounts used by the attacker and reset privileged credentials
playbook-ransomware-preserve-evidence = Preserve memory images, logs and a sample of encrypted files
playbook-ransomware-assess-notification = Assess whether the incident is significant (NIS2) and whether personal data is affected (GDPR)
playbook-ransomware-restore = Restore from offline backups after verifying they are clean
playbook-ransomware-reconnect = Reconnect restored systems and lift downtime procedures

playbook-removable-media = Unknown removable media on a host
playbook-removable-media-triage = Identify the host, the device and the files or keystrokes involved
playbook-removable-media-retrieve-device = Retrieve the device and keep it as evidence
playbook-removable-media-scan-host = Scan the host and check for new executables or services
playbook-removable-media-isolate-host = Isolate the host if anything was executed from the device

playbook-unauthorised-access = Unauthorised or after-hours access to a restricted room
playbook-unauthorised-access-dispatch-guard = Send a security guard to the room
playbook-unauthorised-access-review-cameras = Review the video of the door at the time of access
playbook-unauthorised-access-verify-holder = Verify with the badge holder's manager whether the access was legitimate
playbook-unauthorised-access-suspend-badge = Suspend the badge if the access was not legitimate
playbook-unauthorised-access-check-equipment = Check equipment in the room for added devices or removable media

# Summaries, proposed as the instruction of CAP messages to first responders.

playbook-account-compromise-summary = A new administrator, an unusual administrator login or impossible travel. Treat the account as the attacker's until shown otherwise.
playbook-bms-tampering-summary = Unexpected setpoint changes, commands or logins on the BMS (HVAC, pressure cascades, medical gases monitoring, water). Theatre ventilation and isolation-room pressure are patient-safety systems.
playbook-data-exfiltration-summary = Unusual outbound transfer from servers holding patient or staff data. Stop the flow, establish what left, and start the GDPR assessment early: the 72 hours run from awareness.
playbook-ddos-summary = Traffic flood on the patient portal, appointment booking or other public services. Keep patients informed through other channels.
playbook-environmental-excursion-summary = An operating theatre, isolation room, pharmacy fridge or blood bank leaves its allowed temperature or humidity band. Sterility, drug and blood-product viability and patient comfort are at stake; the cause may be a failure or a tampered building system.
playbook-fire-summary = Fire alarm or smoke detection. Life safety first; the detection system only helps the fire plan, it never replaces it.
playbook-flood-summary = A leak, burst pipe or flood sensor alarm. Water in a technical room, server room or below an operating theatre threatens power, IT and clinical services at once.
playbook-forced-entry-summary = A door contact reports a forced opening. Send someone before anything else, and keep the camera footage.
playbook-medical-device-tampering-summary = Unexpected configuration changes, firmware, drug-library or network activity on infusion pumps, monitors, imaging or other medical devices.
playbook-pharmacy-theft-summary = Unexplained access to the pharmacy, an automated dispensing cabinet or the controlled-drugs store. Establish what is missing so that no patient goes without a medicine.
playbook-phishing-summary = A member of staff opened a malicious link or attachment. Find every recipient, block the lure, and treat the clicking account as compromised.
playbook-power-loss-summary = Mains failure or a failed transfer to generators. Life-support equipment runs on UPS for minutes only.
playbook-ransomware-summary = Encryption or mass file changes on servers or workstations. Contain the spread fast, but never cut off patient monitoring or clinical systems without the clinical lead knowing what the wards lose.
playbook-removable-media-summary = A USB mass-storage or HID device connected to a server or clinical workstation where none is expected.
playbook-unauthorised-access-summary = A badge used outside its hours or rights, or tailgating, at a server room, pharmacy, data centre or other restricted room.
